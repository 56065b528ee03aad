package io.parley.server.config;

/**
 * All settings of a node; field names map to the snake_case keys of {@code parley.yaml}, which
 * documents each one.
 */
public record ParleyConfig(
    Node node,
    Server server,
    Store store,
    Auth auth,
    WebSocket websocket,
    Messaging messaging,
    Groups groups,
    Cluster cluster,
    Push push,
    Keys keys,
    Limits limits,
    Media media,
    // search, retention, operations (F10/F15/F16)
    Retention retention,
    Ops ops,
    Log log) {

  public record Node(int id) {}

  public record Server(
      String host,
      int port,
      int eventLoops,
      int maxBodyBytes,
      int shutdownGraceSeconds,
      // gateway front door: time to receive the first request head
      long headerTimeoutMs,
      // HTTP hygiene (io.parley.server.http.HttpHygiene)
      long bodyReadTimeoutMs,
      int idleTimeoutSeconds,
      String corsAllowedOrigins,
      // HTTPS/WSS on the front door (off without cert_file)
      Tls tls) {
    /**
     * Configured event loops, or one per core when 0: the message writer and completer threads need
     * cores too (issue 7: on 2 cores, 2 loops against 4 cut CPU per message by about a tenth at
     * 12,000 msg/s and kept p99 under 50 ms where 4 did not).
     */
    @Override
    public int eventLoops() {
      return eventLoops > 0 ? eventLoops : Runtime.getRuntime().availableProcessors();
    }

    /** TLS settings, never null (off when {@code tls} is absent). */
    @Override
    public Tls tls() {
      return tls != null ? tls : new Tls("", "", 0, 5000);
    }
  }

  /**
   * TLS (F16): PEM certificate chain and unencrypted PKCS#8 private key (RSA or EC), checked for
   * changes every {@code reloadCheckMs}; {@code redirectHttpPort} > 0 also listens there in plain
   * HTTP and answers 308 to https.
   */
  public record Tls(String certFile, String keyFile, int redirectHttpPort, long reloadCheckMs) {
    public boolean enabled() {
      return certFile != null && !certFile.isBlank();
    }
  }

  public record Store(
      String type,
      String dataDir,
      String sqliteFile,
      String postgresUrl,
      String postgresUser,
      String postgresPassword,
      int poolSize) {}

  public record Auth(
      String jwtSecret,
      long accessTokenTtlSeconds,
      long refreshTokenTtlSeconds,
      int argon2MemoryKib,
      int argon2Iterations,
      int argon2Parallelism,
      int usernameMinLength,
      int usernameMaxLength,
      int passwordMinLength,
      long refreshReuseGraceSeconds) {
    /** Without {@code refresh_reuse_grace_seconds} (its default, 10 s). */
    public Auth(
        String jwtSecret,
        long accessTokenTtlSeconds,
        long refreshTokenTtlSeconds,
        int argon2MemoryKib,
        int argon2Iterations,
        int argon2Parallelism,
        int usernameMinLength,
        int usernameMaxLength,
        int passwordMinLength) {
      this(
          jwtSecret,
          accessTokenTtlSeconds,
          refreshTokenTtlSeconds,
          argon2MemoryKib,
          argon2Iterations,
          argon2Parallelism,
          usernameMinLength,
          usernameMaxLength,
          passwordMinLength,
          10);
    }
  }

  public record WebSocket(
      long heartbeatMs, int maxFrameBytes, int outboundQueueBytes, int syncBufferFrames) {}

  public record Messaging(
      int maxTextChars,
      int writeBatchMax,
      int writeQueueCapacity,
      int historyPageMax,
      long commitWindowMicros) {}

  public record Groups(int maxMembers, int maxTitleChars) {}

  // ---- cluster mode (F18); validated by io.parley.server.cluster.ClusterConfig.validate ----

  /**
   * Cluster mode: on when {@code redisUrl} is set.
   *
   * @param redisUrl {@code redis://host:port[/db]} (or {@code rediss://}); empty: single node
   * @param keyPrefix prefix of every Redis key and channel of this cluster
   * @param heartbeatMs how often a node renews its leases (sessions, presence, node registry)
   * @param leaseTtlMs how long a node's leases live without renewal (> 2 heartbeats)
   * @param advertisedWsUrl the WebSocket URL clients use to reach this node (discovery); empty:
   *     {@code ws://<server.host>:<server.port>/v1/ws}
   * @param brokerQueueFrames frames queued per target node before the broker drops (and counts)
   */
  public record Cluster(
      String redisUrl,
      String keyPrefix,
      long heartbeatMs,
      long leaseTtlMs,
      String advertisedWsUrl,
      int brokerQueueFrames) {
    public boolean enabled() {
      return redisUrl != null && !redisUrl.isBlank();
    }
  }

  // --- push (F12) and key directory (F13)
  public record Push(
      boolean enabled,
      long collapseDelayMs,
      long pollMs,
      int batchSize,
      long leaseMs,
      int maxAttempts,
      long backoffBaseMs,
      long backoffMaxMs,
      int breakerFailures,
      long breakerCooldownMs,
      int previewChars,
      long sendTimeoutMs,
      Fcm fcm,
      Apns apns,
      Webhook webhook) {
    public record Fcm(String projectId, String serviceAccountFile, String baseUrl) {}

    public record Apns(
        String teamId, String keyId, String privateKeyFile, String topic, String baseUrl) {}

    public record Webhook(String url, String secret) {}
  }

  public record Keys(int maxPrekeysPerUpload, int maxPrekeysPerDevice, int lowPrekeysThreshold) {}

  /** Rate limits and abuse controls (F14), see {@code limits:} in {@code parley.yaml}. */
  public record Limits(
      boolean enabled,
      Bucket userMessages,
      Bucket userMessageBytes,
      Bucket ipSignups,
      Bucket ipLogins,
      Bucket ipWsConnects,
      int failedLoginsFree,
      long failedLoginBackoffMs,
      long failedLoginBackoffMaxMs,
      long failedLoginForgetSeconds,
      int maxConnectionsPerDevice,
      int maxConnectionsPerUser,
      int wsRateLimitedTolerance,
      int maxTrackedKeys) {

    /** A token bucket: {@code permits} per {@code perSeconds} seconds, {@code burst} saved up. */
    public record Bucket(long permits, long perSeconds, long burst) {}
  }

  /** Media uploads and downloads (F11); see the {@code media:} section of parley.yaml. */
  public record Media(
      String store,
      String dir,
      long maxMediaBytes,
      long maxDocumentBytes,
      int thumbnailSize,
      int maxImageSide,
      long maxImagePixels,
      long uploadIdleTimeoutMs,
      long urlTtlSeconds,
      String urlSecret,
      String s3Endpoint,
      String s3Region,
      String s3Bucket,
      String s3AccessKey,
      String s3SecretKey,
      int orphanGraceHours) {}

  // search, retention, operations (F10/F15/F16)

  public record Retention(int days, long intervalMs, int batchSize, long batchPauseMs) {}

  public record Ops(
      String metricsToken,
      int metricsPort,
      String metricsHost,
      String adminToken,
      String backupDir) {}

  public record Log(String format) {}
}
