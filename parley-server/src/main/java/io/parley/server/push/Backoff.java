package io.parley.server.push;

import java.util.random.RandomGenerator;

/**
 * Exponential backoff with full jitter: the wait before retry {@code n} (n >= 1) is uniform in
 * {@code [0, min(maxMs, baseMs * 2^(n-1))]}, which spreads retries of many failed jobs over time
 * instead of sending them back in waves.
 */
public final class Backoff {
  private final long baseMs;
  private final long maxMs;
  private final RandomGenerator random;

  public Backoff(long baseMs, long maxMs, RandomGenerator random) {
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.random = random;
  }

  /** The upper bound of the wait before retry {@code attempt}. */
  public long ceiling(int attempt) {
    int shift = Math.min(Math.max(attempt - 1, 0), 40);
    long exp = baseMs << shift;
    return exp <= 0 || exp > maxMs ? maxMs : exp;
  }

  public long delayMs(int attempt) {
    synchronized (random) {
      return random.nextLong(ceiling(attempt) + 1);
    }
  }
}
