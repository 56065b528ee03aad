package io.parley.server.push;

/**
 * Sends one notification to one device token through a push provider. {@link #send} blocks until
 * the provider answered (or the configured timeout passed) and never throws for provider or network
 * failures: they are reported as a {@link Result}. Implementations are thread-safe.
 */
public interface PushSender {

  /** The provider name as registered by devices: {@code fcm}, {@code apns} or {@code webhook}. */
  String provider();

  Result send(String token, Notification n);

  /** How a send went. */
  enum Outcome {
    /** Accepted by the provider. */
    OK,
    /** Transient failure (5xx, 429, network): try again later. */
    RETRY,
    /** The token is invalid or the app was uninstalled: forget the token. */
    INVALID_TOKEN,
    /** Rejected for good (a bad request): do not retry. */
    FAILED
  }

  /** {@code retryAfterMs} is the provider's Retry-After, if it sent one (else null). */
  record Result(Outcome outcome, Long retryAfterMs, String detail) {
    public static Result ok() {
      return new Result(Outcome.OK, null, "ok");
    }

    public static Result retry(Long retryAfterMs, String detail) {
      return new Result(Outcome.RETRY, retryAfterMs, detail);
    }

    public static Result invalidToken(String detail) {
      return new Result(Outcome.INVALID_TOKEN, null, detail);
    }

    public static Result failed(String detail) {
      return new Result(Outcome.FAILED, null, detail);
    }

    /** Classifies a plain HTTP status (providers refine 4xx answers first). */
    public static Result ofStatus(int status, Long retryAfterMs, String detail) {
      if (status >= 200 && status < 300) {
        return ok();
      }
      if (status == 429 || status >= 500 || status == 408) {
        return retry(retryAfterMs, "HTTP " + status + " " + detail);
      }
      return failed("HTTP " + status + " " + detail);
    }

    /** Retry-After in ms from a header holding delay-seconds (an HTTP date is ignored). */
    public static Long retryAfter(String header) {
      if (header == null || header.isBlank()) {
        return null;
      }
      try {
        return Math.max(0, Long.parseLong(header.trim())) * 1000;
      } catch (NumberFormatException e) {
        return null;
      }
    }
  }
}
