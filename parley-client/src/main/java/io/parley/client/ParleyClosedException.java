package io.parley.client;

/** The connection closed (e.g. {@code 4401}) before it completed the {@code hello} handshake. */
public final class ParleyClosedException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int code;
  private final String reason;

  public ParleyClosedException(int code, String reason) {
    super("WebSocket closed: " + code + (reason == null || reason.isEmpty() ? "" : " " + reason));
    this.code = code;
    this.reason = reason;
  }

  /** The close code, or the HTTP status when the upgrade itself was rejected. */
  public int code() {
    return code;
  }

  public String reason() {
    return reason;
  }
}
