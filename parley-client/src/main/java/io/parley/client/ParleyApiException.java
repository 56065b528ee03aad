package io.parley.client;

import io.parley.protocol.ErrorCode;

/**
 * A non-2xx REST response, parsed from the API.md error body {@code {"error": {"code",
 * "message"}}}. {@link #code()} is the wire code ({@code not_found}, {@code conflict}, ...), or
 * {@code "unknown"} when the body was not an error object.
 */
public final class ParleyApiException extends RuntimeException {
  private static final long serialVersionUID = 1L;

  private final int status;
  private final String code;
  private final String errorMessage;
  private final Long retryAfterSeconds;

  public ParleyApiException(int status, String code, String message, Long retryAfterSeconds) {
    super("HTTP " + status + " " + code + ": " + message);
    this.status = status;
    this.code = code;
    this.errorMessage = message;
    this.retryAfterSeconds = retryAfterSeconds;
  }

  /** The HTTP status code. */
  public int status() {
    return status;
  }

  /** The wire error code, e.g. {@code "conflict"}. */
  public String code() {
    return code;
  }

  /** The error code as an enum, or {@code null} when the server sent an unknown code. */
  public ErrorCode errorCode() {
    return ErrorCode.fromWire(code);
  }

  /** The human-readable message from the error body. */
  public String errorMessage() {
    return errorMessage;
  }

  /** The {@code Retry-After} header in seconds (for {@code 429}), or {@code null}. */
  public Long retryAfterSeconds() {
    return retryAfterSeconds;
  }
}
