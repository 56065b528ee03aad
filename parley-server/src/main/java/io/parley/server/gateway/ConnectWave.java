package io.parley.server.gateway;

import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Tells a reconnect wave from the usual trickle of connects: counts connect and replay steps per
 * second (lock-free, two one-second buckets) and reports a wave while the current or the previous
 * second counted at least {@code threshold}. Background work (search indexing) waits during a wave
 * so that on two cores the replays get the CPU first; a node's ordinary connect rate stays below
 * the threshold, so it never holds indexing back there.
 */
public final class ConnectWave {
  private static final int COUNT_BITS = 24;
  private static final long COUNT_MASK = (1L << COUNT_BITS) - 1;

  private final int threshold;
  private final LongSupplier nanoTime;
  private final AtomicLong current = new AtomicLong(); // second << COUNT_BITS | count
  private volatile long previous; // the same, for the second before

  public ConnectWave(int threshold, LongSupplier nanoTime) {
    this.threshold = threshold;
    this.nanoTime = nanoTime;
  }

  /** Counts one connect or replay step now. */
  public void note() {
    long second = nanoTime.getAsLong() / 1_000_000_000L;
    while (true) {
      long v = current.get();
      long next;
      if (v >>> COUNT_BITS == second) {
        next = (v & COUNT_MASK) == COUNT_MASK ? v : v + 1;
      } else {
        next = (second << COUNT_BITS) | 1;
      }
      if (current.compareAndSet(v, next)) {
        if (v >>> COUNT_BITS != second) {
          previous = v; // racing notes may lose a count here: it is a heuristic
        }
        return;
      }
    }
  }

  /** Whether this second or the one before counted at least the threshold. */
  public boolean active() {
    long second = nanoTime.getAsLong() / 1_000_000_000L;
    return reaches(current.get(), second) || reaches(previous, second);
  }

  private boolean reaches(long v, long second) {
    long s = v >>> COUNT_BITS;
    return (s == second || s == second - 1) && (v & COUNT_MASK) >= threshold;
  }
}
