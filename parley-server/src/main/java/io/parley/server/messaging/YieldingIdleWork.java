package io.parley.server.messaging;

import io.parley.server.messaging.MessageWriter.IdleResult;
import io.parley.server.messaging.MessageWriter.IdleWork;
import java.util.function.BooleanSupplier;
import java.util.function.LongSupplier;

/**
 * Idle work that waits while the node is busy with foreground work, for at most {@code maxWait}
 * nanos at a time: e.g. search indexing holds off while a reconnect wave is replayed, so that on
 * two cores the replays get the CPU the indexing of their backlog would take, and the indexing
 * catches up after. Nothing depends on it being prompt (a search indexes what is queued first).
 */
public final class YieldingIdleWork implements IdleWork {
  private final IdleWork work;
  private final BooleanSupplier busy;
  private final long maxWaitNanos;
  private final LongSupplier nanoTime;
  private long waitingSince = -1; // writer thread only; -1: not waiting

  public YieldingIdleWork(
      IdleWork work, BooleanSupplier busy, long maxWaitNanos, LongSupplier nanoTime) {
    this.work = work;
    this.busy = busy;
    this.maxWaitNanos = maxWaitNanos;
    this.nanoTime = nanoTime;
  }

  @Override
  public IdleResult runOnce() {
    if (busy.getAsBoolean()) {
      long now = nanoTime.getAsLong();
      if (waitingSince < 0) {
        waitingSince = now;
      }
      if (now - waitingSince < maxWaitNanos) {
        return IdleResult.LATER;
      }
    } else {
      waitingSince = -1;
    }
    return work.runOnce();
  }
}
