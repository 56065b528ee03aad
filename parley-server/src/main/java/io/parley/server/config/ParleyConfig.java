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
    Media media) {

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
      String s3SecretKey) {}
}
