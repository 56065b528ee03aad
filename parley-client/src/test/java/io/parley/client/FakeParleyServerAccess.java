package io.parley.client;

/** Exposes {@link FakeParleyServer} to tests in other packages. */
public final class FakeParleyServerAccess implements AutoCloseable {
  private final FakeParleyServer server;

  public FakeParleyServerAccess() throws Exception {
    server = new FakeParleyServer(30_000);
  }

  public String baseUrl() {
    return server.baseUrl();
  }

  public int stored(String conversationId) {
    return server.stored(conversationId);
  }

  /** Number of {@code send} frames received. */
  public int sends() {
    return server.clientFrames("send").size();
  }

  @Override
  public void close() throws Exception {
    server.close();
  }
}
