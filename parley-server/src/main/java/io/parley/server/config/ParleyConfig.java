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
    // search, retention, operations (F10/F15/F16)
    Retention retention,
    Ops ops,
    Log log) {

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
