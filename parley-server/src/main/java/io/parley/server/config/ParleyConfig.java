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
    Push push,
    Keys keys) {

  public record Node(int id) {}

  public record Server(
      String host, int port, int eventLoops, int maxBodyBytes, int shutdownGraceSeconds) {
    /** Configured event loops, or two per core when 0. */
    @Override
    public int eventLoops() {
      return eventLoops > 0 ? eventLoops : 2 * Runtime.getRuntime().availableProcessors();
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
      int passwordMinLength) {}

  public record WebSocket(
      long heartbeatMs, int maxFrameBytes, int outboundQueueBytes, int syncBufferFrames) {}

  public record Messaging(
      int maxTextChars, int writeBatchMax, int writeQueueCapacity, int historyPageMax) {}

  public record Groups(int maxMembers, int maxTitleChars) {}

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
}
