package io.parley.protocol;

/**
 * Error codes shared by REST ({@code {"error":{"code",...}}}) and WebSocket {@code error} frames.
 */
public enum ErrorCode {
  INVALID_ARGUMENT("invalid_argument", 400),
  BAD_FRAME("bad_frame", 400),
  UNAUTHORIZED("unauthorized", 401),
  FORBIDDEN("forbidden", 403),
  NOT_FOUND("not_found", 404),
  METHOD_NOT_ALLOWED("method_not_allowed", 405),
  REQUEST_TIMEOUT("request_timeout", 408),
  CONFLICT("conflict", 409),
  TOO_LARGE("too_large", 413),
  UNSUPPORTED_MEDIA_TYPE("unsupported_media_type", 415),
  RATE_LIMITED("rate_limited", 429),
  INTERNAL("internal", 500),
  UNAVAILABLE("unavailable", 503);

  private final String wire;
  private final int httpStatus;

  ErrorCode(String wire, int httpStatus) {
    this.wire = wire;
    this.httpStatus = httpStatus;
  }

  /** The code as it appears on the wire. */
  public String wire() {
    return wire;
  }

  public int httpStatus() {
    return httpStatus;
  }

  /** The enum constant for a wire code, or {@code null} when unknown. */
  public static ErrorCode fromWire(String wire) {
    for (ErrorCode c : values()) {
      if (c.wire.equals(wire)) {
        return c;
      }
    }
    return null;
  }
}
