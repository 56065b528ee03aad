package io.parley.bench;

import java.util.concurrent.locks.LockSupport;

/**
 * Open-loop pacing: operation {@code i} is due at {@code start + i / rate}, whatever happened to
 * earlier operations. Each operation gets its intended start time, and latencies are measured from
 * it, so a stalled server shows up as latency instead of silently slowing the generator down (no
 * coordinated omission).
 */
final class RateScheduler {
  /** One due operation. */
  interface Op {
    void run(long index, long intendedNanos);
  }

  private RateScheduler() {}

  /**
   * Runs {@code rate * seconds} operations on the calling thread. Returns the number issued (all of
   * them unless the deadline of twice the duration passed first).
   */
  static long run(double rate, double seconds, Op op) {
    long total = (long) Math.floor(rate * seconds);
    double interval = 1e9 / rate;
    long start = Load.now();
    long hardStop = start + (long) (seconds * 2e9) + 5_000_000_000L;
    long i = 0;
    while (i < total) {
      long now = Load.now();
      if (now > hardStop) {
        break;
      }
      long due = Math.min(total, (long) ((now - start) / interval) + 1);
      while (i < due) {
        op.run(i, start + (long) (i * interval));
        i++;
      }
      LockSupport.parkNanos(100_000);
    }
    return i;
  }
}
