package io.parley.server.abuse;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user message limits shared by WebSocket {@code send} and REST send: messages per second and
 * bytes per second (token buckets keyed by user id), plus the WebSocket tolerance: a connection
 * whose sends keep being refused is closed with 4429.
 */
public final class MessageRateLimits {
  private final RateLimiter messages;
  private final RateLimiter bytes;
  private final int tolerance;
  private final ConcurrentHashMap<Long, Integer> violations = new ConcurrentHashMap<>();

  /**
   * @param messages messages per user, or null for no limit
   * @param bytes bytes per user, or null for no limit
   * @param tolerance refused WebSocket sends in a row before the connection is closed
   */
  public MessageRateLimits(RateLimiter messages, RateLimiter bytes, int tolerance) {
    this.messages = messages;
    this.bytes = bytes;
    this.tolerance = tolerance;
  }

  /** No limits (limits disabled). */
  public static MessageRateLimits none() {
    return new MessageRateLimits(null, null, Integer.MAX_VALUE);
  }

  /**
   * Charges one message of {@code size} bytes to {@code userId}.
   *
   * @return 0 if allowed, else the milliseconds to wait
   */
  public long tryAcquire(long userId, long size) {
    String key = Long.toString(userId);
    if (messages != null) {
      long wait = messages.tryAcquire(key, 1);
      if (wait > 0) {
        return wait;
      }
    }
    if (bytes != null) {
      return bytes.tryAcquire(key, Math.max(1, size));
    }
    return 0;
  }

  /**
   * Charges one message, or throws {@code rate_limited} with the retry-after.
   *
   * @throws ApiException {@code rate_limited}
   */
  public void check(long userId, long size) {
    long wait = tryAcquire(userId, size);
    if (wait > 0) {
      throw rateLimited(wait);
    }
  }

  /** The {@code rate_limited} error for a wait of {@code waitMs}. */
  public static ApiException rateLimited(long waitMs) {
    return new ApiException(
        ErrorCode.RATE_LIMITED, "too many messages, retry in " + waitMs + " ms", waitMs);
  }

  /**
   * Records a refused WebSocket send of a connection (keyed by device).
   *
   * @return true when the connection is beyond tolerance and must be closed with 4429
   */
  public boolean refused(long deviceId) {
    return violations.merge(deviceId, 1, Integer::sum) > tolerance;
  }

  /** A send of the device went through (or its connection closed): its refusals start over. */
  public void accepted(long deviceId) {
    if (!violations.isEmpty()) {
      violations.remove(deviceId);
    }
  }
}
