package io.parley.server.abuse;

import java.time.Clock;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * {@link RateLimiter} for one node: a bucket per key in a concurrent map.
 *
 * <p>Memory is bounded: once more than {@code maxKeys} keys are tracked, a sweep forgets every
 * bucket that has refilled completely (an idle key, indistinguishable from a new one). If the sweep
 * frees less than a tenth of the room (an attack from very many keys at once), it also forgets
 * arbitrary buckets down to 90% of {@code maxKeys}, which can only make those keys more lenient.
 * Sweeps therefore run at most once per {@code maxKeys / 10} new keys.
 */
public final class InMemoryRateLimiter implements RateLimiter {
  private final Limit limit;
  private final Clock clock;
  private final int maxKeys;
  private final long capacity;
  private final ConcurrentHashMap<String, Bucket> buckets = new ConcurrentHashMap<>();
  private final AtomicBoolean sweeping = new AtomicBoolean();

  /**
   * @param limit the rule
   * @param clock time source
   * @param maxKeys keys tracked at most (beyond it idle, then arbitrary, buckets are forgotten)
   */
  public InMemoryRateLimiter(Limit limit, Clock clock, int maxKeys) {
    if (maxKeys < 10) {
      throw new IllegalArgumentException("maxKeys must be at least 10");
    }
    this.limit = limit;
    this.clock = clock;
    this.maxKeys = maxKeys;
    this.capacity = Math.multiplyExact(limit.burst(), limit.perMillis());
  }

  @Override
  public Limit limit() {
    return limit;
  }

  /** Answers at once: the stage is complete when returned. */
  @Override
  public CompletionStage<Long> acquire(String key, long permits) {
    return CompletableFuture.completedFuture(tryAcquire(key, permits));
  }

  /**
   * The synchronous form of {@link #acquire}.
   *
   * @return {@code 0} if allowed, else the milliseconds to wait
   */
  public long tryAcquire(String key, long permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1");
    }
    // exact integer arithmetic: one token is perMillis units, each ms refills `permits` units
    long want = Math.min(permits, limit.burst()) * limit.perMillis();
    long now = clock.millis();
    long[] wait = new long[1];
    buckets.compute(
        key,
        (k, old) -> {
          Bucket cur = old == null ? new Bucket(capacity, now) : old;
          cur.refill(now, limit.permits(), capacity);
          if (cur.units >= want) {
            cur.units -= want;
            wait[0] = 0;
          } else {
            long missing = want - cur.units;
            wait[0] = Math.max(1, (missing + limit.permits() - 1) / limit.permits());
          }
          return cur;
        });
    if (buckets.size() > maxKeys) {
      sweep(now);
    }
    return wait[0];
  }

  /** Keys currently tracked (for tests and metrics). */
  public int trackedKeys() {
    return buckets.size();
  }

  private void sweep(long now) {
    if (!sweeping.compareAndSet(false, true)) {
      return;
    }
    try {
      int before = buckets.size();
      buckets.entrySet().removeIf(e -> e.getValue().fullAt(now, limit.permits(), capacity));
      int target = maxKeys - maxKeys / 10;
      if (before - buckets.size() < maxKeys / 10) {
        Iterator<Map.Entry<String, Bucket>> it = buckets.entrySet().iterator();
        while (buckets.size() > target && it.hasNext()) {
          it.next();
          it.remove();
        }
      }
    } finally {
      sweeping.set(false);
    }
  }

  /** Mutated only inside {@link ConcurrentHashMap#compute} for its key. */
  private static final class Bucket {
    private long units;
    private long last;

    Bucket(long units, long now) {
      this.units = units;
      this.last = now;
    }

    void refill(long now, long perMs, long capacity) {
      if (now > last) {
        long elapsed = now - last;
        units = elapsed >= (capacity - units) / perMs + 1 ? capacity : units + elapsed * perMs;
        units = Math.min(units, capacity);
        last = now;
      }
    }

    boolean fullAt(long now, long perMs, long capacity) {
      long elapsed = Math.max(0, now - last);
      return elapsed >= (capacity - units + perMs - 1) / perMs;
    }
  }
}
