package io.parley.server.cluster.it;

import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * Pacing of the cluster load runs: the gap between a load client's sends, how long load runs before
 * and after a disruption, and the back-off of bounded retry loops (each loop has its own deadline).
 * Not a way to wait for a condition: conditions are awaited with Awaitility.
 */
final class Pace {
  private Pace() {}

  static void pause(long millis) {
    LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(millis));
  }
}
