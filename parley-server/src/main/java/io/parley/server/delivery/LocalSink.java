package io.parley.server.delivery;

import java.util.Collection;

/** The node-local end of a {@link Broker}: hands frames to this node's connections. */
public interface LocalSink {
  void deliver(Collection<Long> userIds, Outbound frame, long excludeDeviceId);

  /**
   * Runs {@code work} on this thread and delivers the frames it hands to connections as one batch
   * when it ends: each connection gets its frames in the order given, from its own writer thread,
   * and is flushed once per batch. Batches of one thread keep their order. The default just runs
   * {@code work} (frames go out at once).
   */
  default void batch(Runnable work) {
    work.run();
  }
}
