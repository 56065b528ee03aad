package io.parley.server.abuse;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Per-user message limits shared by WebSocket {@code send} and REST send: messages per second and
 * bytes per second (token buckets keyed by user id), plus the WebSocket tolerance: a connection
 * whose sends keep being refused is closed with 4429.
 */
public final class MessageRateLimits {
  private static final CompletionStage<Long> ALLOWED = CompletableFuture.completedFuture(0L);
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
   * Charges one message of {@code size} bytes to {@code userId}: the message bucket first, the
   * bytes bucket only if that allowed it. Never blocks; with node-local limiters the stage is
   * complete when returned.
   *
   * @return completes with 0 if allowed, else the milliseconds to wait; never exceptionally
   */
  public CompletionStage<Long> acquire(long userId, long size) {
    String key = Long.toString(userId);
    if (messages == null) {
      return bytes == null ? ALLOWED : bytes.acquire(key, size(size));
    }
    CompletionStage<Long> first = messages.acquire(key, 1);
    if (bytes == null) {
      return first;
    }
    return first.thenCompose(
        wait ->
            wait > 0 ? CompletableFuture.completedFuture(wait) : bytes.acquire(key, size(size)));
  }

  private static long size(long size) {
    return Math.max(1, size);
  }

  /**
   * Charges one message, or throws {@code rate_limited} with the retry-after. Waits for the limiter
   * (at most its Redis timeout in cluster mode): call it off the event loops.
   *
   * @throws ApiException {@code rate_limited}
   */
  public void check(long userId, long size) {
    long wait = acquire(userId, size).toCompletableFuture().join();
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
