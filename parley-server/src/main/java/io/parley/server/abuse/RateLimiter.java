package io.parley.server.abuse;

import java.util.concurrent.CompletionStage;

/**
 * A token-bucket rate limiter for one rule (say, "messages per user"), keyed by a string (a user
 * id, an IP address...).
 *
 * <p>Contract, shared by every implementation and checked by {@code RateLimiterContract}:
 *
 * <ul>
 *   <li>Each key has its own bucket holding at most {@link Limit#burst()} tokens. A key never seen
 *       before (or forgotten after being idle) starts with a full bucket.
 *   <li>Tokens come back continuously at {@link Limit#permits()} per {@link Limit#perMillis()}
 *       milliseconds, up to the burst.
 *   <li>{@link #acquire} takes {@code permits} tokens when the bucket holds that many and answers
 *       {@code 0}. Otherwise it takes nothing and answers how long to wait, in milliseconds (at
 *       least 1, rounded up), until the bucket will hold them if nothing else is taken meanwhile.
 *   <li>{@link #acquire} never blocks the caller (it may be an event loop) and its stage always
 *       completes, normally: an implementation whose backend fails or is slow decides some other
 *       way (the Redis one falls back to a node-local bucket) rather than fail or hang. The stage
 *       of a node-local implementation is already complete when returned; callers may rely on that
 *       to stay synchronous.
 *   <li>A request for more permits than the burst is treated as a request for the whole burst: it
 *       passes only on a full bucket.
 *   <li>Concurrent calls for one key never hand out more tokens than the bucket had plus the
 *       refill. Different keys do not affect each other.
 *   <li>Time comes from the implementation's {@link java.time.Clock} (injected, so tests control
 *       it). An implementation may forget idle keys (their buckets are full again anyway) to bound
 *       its memory; forgetting an active key may only make it more lenient, never stricter.
 * </ul>
 *
 * <p>{@link InMemoryRateLimiter} serves one node; {@code cluster.RedisRateLimiter} makes a limit
 * cluster-wide (F14, F18) behind this same interface (ADR 0005).
 */
public interface RateLimiter {

  /**
   * Takes {@code permits} tokens from {@code key}'s bucket if it holds them.
   *
   * @param key the bucket, e.g. a user id or an IP address
   * @param permits tokens wanted, at least 1 (a message counts 1; its bytes count their size)
   * @return completes with {@code 0} if allowed (the tokens were taken), else the milliseconds to
   *     wait (&ge; 1); never completes exceptionally
   * @throws IllegalArgumentException if {@code permits < 1} (thrown, not in the stage)
   */
  CompletionStage<Long> acquire(String key, long permits);

  /** The rule this limiter enforces. */
  Limit limit();

  /** Makes the limiter of one named rule ({@code "msg"}, {@code "login-ip"}...). */
  @FunctionalInterface
  interface Factory {
    /**
     * The limiter of rule {@code name}.
     *
     * @param name the rule's name, unique per rule (a shared backend keys buckets by it)
     * @param limit the rule
     */
    RateLimiter create(String name, Limit limit);
  }

  /**
   * A token-bucket rule: {@code permits} tokens per {@code perMillis} ms, at most {@code burst}
   * saved up.
   */
  record Limit(long permits, long perMillis, long burst) {
    public Limit {
      if (permits < 1 || perMillis < 1 || burst < 1) {
        throw new IllegalArgumentException(
            "a rate limit needs permits, period and burst >= 1: "
                + permits
                + "/"
                + perMillis
                + "ms burst "
                + burst);
      }
    }

    /** {@code permits} per second with the given burst. */
    public static Limit perSecond(long permits, long burst) {
      return new Limit(permits, 1000, burst);
    }
  }
}
