package io.parley.server.edge;

import java.util.concurrent.atomic.LongAdder;

/**
 * Counts the connections the front door closed because their first request head did not arrive
 * within the header timeout: those that had sent nothing at all, and those with a partial head (a
 * slow or stalled client). A burst of the first kind during a connect wave means the clients opened
 * TCP connections faster than they could write their requests.
 */
public final class HeadTimeouts {
  private final LongAdder silent = new LongAdder();
  private final LongAdder partial = new LongAdder();

  void expired(boolean gotSomeBytes) {
    (gotSomeBytes ? partial : silent).increment();
  }

  /** Closed with no byte received. */
  public long silent() {
    return silent.sum();
  }

  /** Closed with part of a head received. */
  public long partial() {
    return partial.sum();
  }
}
