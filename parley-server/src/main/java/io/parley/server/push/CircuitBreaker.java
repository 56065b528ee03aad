package io.parley.server.push;

import java.time.Clock;

/**
 * One provider's circuit breaker. Closed: sends go through. After {@code threshold} consecutive
 * failures it opens: sends are held back until {@code cooldownMs} passed. Then it is half-open:
 * exactly one trial send is let through; its success closes the breaker, its failure opens it again
 * for another cool-down. Thread-safe.
 */
public final class CircuitBreaker {
  /** The breaker's state. */
  public enum State {
    CLOSED,
    OPEN,
    HALF_OPEN
  }

  private final int threshold;
  private final long cooldownMs;
  private final Clock clock;
  private int failures;
  private long openedAt = -1;
  private boolean trialInFlight;

  public CircuitBreaker(int threshold, long cooldownMs, Clock clock) {
    this.threshold = threshold;
    this.cooldownMs = cooldownMs;
    this.clock = clock;
  }

  /** Whether a send may go now; in half-open state only the first caller gets true. */
  public synchronized boolean tryAcquire() {
    switch (state()) {
      case CLOSED -> {
        return true;
      }
      case HALF_OPEN -> {
        if (trialInFlight) {
          return false;
        }
        trialInFlight = true;
        return true;
      }
      default -> {
        return false;
      }
    }
  }

  public synchronized void success() {
    failures = 0;
    openedAt = -1;
    trialInFlight = false;
  }

  public synchronized void failure() {
    failures++;
    if (trialInFlight || failures >= threshold) {
      openedAt = clock.millis();
    }
    trialInFlight = false;
  }

  /** When a held-back send should try again (the end of the cool-down). */
  public synchronized long reopensAt() {
    return openedAt < 0 ? clock.millis() : openedAt + cooldownMs;
  }

  public synchronized State state() {
    if (openedAt < 0) {
      return State.CLOSED;
    }
    return clock.millis() - openedAt >= cooldownMs ? State.HALF_OPEN : State.OPEN;
  }
}
