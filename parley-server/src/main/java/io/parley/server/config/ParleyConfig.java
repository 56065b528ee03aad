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
    Limits limits) {

  public record Node(int id) {}

  public record Server(
      String host,
      int port,
      int eventLoops,
      int maxBodyBytes,
      int shutdownGraceSeconds,
      // HTTP hygiene (io.parley.server.http.HttpHygiene)
      long bodyReadTimeoutMs,
      int idleTimeoutSeconds,
      String corsAllowedOrigins) {
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
}
