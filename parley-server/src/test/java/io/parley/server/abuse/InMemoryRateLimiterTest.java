package io.parley.server.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.abuse.RateLimiter.Limit;
import io.parley.server.testsupport.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

/** The contract on {@link InMemoryRateLimiter}, plus its memory bound. */
class InMemoryRateLimiterTest extends RateLimiterContract {

  @Override
  protected RateLimiter create(Limit limit, ManualClock clock) {
    return new InMemoryRateLimiter(limit, clock, 10_000);
  }

  @Test
  void idleKeysAreForgottenWhenTheMapIsFull() {
    InMemoryRateLimiter l = new InMemoryRateLimiter(new Limit(1, 1000, 2), clock, 100);
    for (int i = 0; i < 100; i++) {
      assertThat(l.tryAcquire("idle-" + i, 1)).isZero();
    }
    assertThat(l.trackedKeys()).isEqualTo(100);
    // a second later every bucket has refilled: the next new key sweeps them all away
    clock.advance(Duration.ofSeconds(1));
    assertThat(l.tryAcquire("new", 1)).isZero();
    assertThat(l.trackedKeys()).isEqualTo(1);
  }

  @Test
  void aFloodOfActiveKeysStaysBounded() {
    InMemoryRateLimiter l = new InMemoryRateLimiter(new Limit(1, 3_600_000, 1), clock, 100);
    for (int i = 0; i < 10_000; i++) {
      l.tryAcquire("flood-" + i, 1);
      assertThat(l.trackedKeys()).isLessThanOrEqualTo(101);
    }
    // an active key that survived is still limited (a forgotten one may only get more lenient)
    String last = "flood-9999";
    assertThat(l.tryAcquire(last, 1)).isPositive();
  }
}
