package io.parley.server.messaging;

import java.time.Clock;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Time-ordered 64-bit ids: 41 bits of milliseconds since 2024-01-01, 10 bits of node id, 12 bits of
 * per-millisecond sequence. Ids from one node strictly increase; across nodes they order by time.
 * Lock-free; if the clock steps back, ids keep increasing from the last one issued.
 */
public final class Snowflake implements LongSupplier {
  static final long EPOCH_MS = 1_704_067_200_000L;
  private static final int NODE_BITS = 10;
  private static final int SEQ_BITS = 12;
  private static final long SEQ_MASK = (1L << SEQ_BITS) - 1;

  private final Clock clock;
  private final long nodeBits;
  private final AtomicLong last = new AtomicLong();

  public Snowflake(int nodeId, Clock clock) {
    if (nodeId < 0 || nodeId >= (1 << NODE_BITS)) {
      throw new IllegalArgumentException("node id must be in 0..1023: " + nodeId);
    }
    this.clock = clock;
    this.nodeBits = (long) nodeId << SEQ_BITS;
  }

  @Override
  public long getAsLong() {
    return next();
  }

  public long next() {
    while (true) {
      long prev = last.get();
      long prevMs = prev >>> (NODE_BITS + SEQ_BITS);
      long nowMs = Math.max(clock.millis() - EPOCH_MS, prevMs);
      long candidate;
      if (nowMs == prevMs) {
        long seq = (prev & SEQ_MASK) + 1;
        if (seq > SEQ_MASK) {
          // sequence exhausted in this millisecond: borrow the next one
          candidate = ((prevMs + 1) << (NODE_BITS + SEQ_BITS)) | nodeBits;
        } else {
          candidate = (prevMs << (NODE_BITS + SEQ_BITS)) | nodeBits | seq;
        }
      } else {
        candidate = (nowMs << (NODE_BITS + SEQ_BITS)) | nodeBits;
      }
      if (last.compareAndSet(prev, candidate)) {
        return candidate;
      }
    }
  }

  /** The wall-clock millisecond embedded in an id. */
  public static long timestampOf(long id) {
    return (id >>> (NODE_BITS + SEQ_BITS)) + EPOCH_MS;
  }
}
