package io.parley.server.api;

import io.parley.protocol.ErrorCode;

/**
 * A request failed with a client-visible error. REST turns it into the status and {@code
 * {"error":{"code","message"}}}; the gateway turns it into an {@code error} frame.
 */
public final class ApiException extends RuntimeException {
  private final ErrorCode code;
  private final Long retryAfterMs;

  public ApiException(ErrorCode code, String message) {
    this(code, message, null);
  }

  public ApiException(ErrorCode code, String message, Long retryAfterMs) {
    super(message, null, false, false);
    this.code = code;
    this.retryAfterMs = retryAfterMs;
  }

  public ErrorCode code() {
    return code;
  }

  /** For {@code rate_limited}: when to retry, else null. */
  public Long retryAfterMs() {
    return retryAfterMs;
  }

  public static ApiException invalid(String message) {
    return new ApiException(ErrorCode.INVALID_ARGUMENT, message);
  }

  public static ApiException notFound(String message) {
    return new ApiException(ErrorCode.NOT_FOUND, message);
  }

  public static ApiException forbidden(String message) {
    return new ApiException(ErrorCode.FORBIDDEN, message);
  }

  public static ApiException unauthorized(String message) {
    return new ApiException(ErrorCode.UNAUTHORIZED, message);
  }
}
