package io.parley.client;

import io.parley.protocol.Frames;

/** The server rejected a {@code send} with an {@code error} frame naming its client_msg_id. */
public final class ParleySendException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final transient Frames.Error error;

  public ParleySendException(Frames.Error error) {
    super(error.code() + ": " + error.message());
    this.error = error;
  }

  /** The wire error code, e.g. {@code forbidden}. */
  public String code() {
    return error.code();
  }

  public Frames.Error error() {
    return error;
  }
}
