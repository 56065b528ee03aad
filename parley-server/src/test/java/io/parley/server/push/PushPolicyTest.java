package io.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.Random;
import org.junit.jupiter.api.Test;

/** Backoff with full jitter and the per-provider circuit breaker, on an injected clock/random. */
class PushPolicyTest {
  @Test
  void backoffIsExponentialWithFullJitterAndCapped() {
    Backoff b = new Backoff(1000, 60_000, new Random(42));
    assertThat(b.ceiling(1)).isEqualTo(1000);
    assertThat(b.ceiling(2)).isEqualTo(2000);
    assertThat(b.ceiling(5)).isEqualTo(16_000);
    assertThat(b.ceiling(7)).isEqualTo(60_000);
    assertThat(b.ceiling(200)).isEqualTo(60_000);
    // full jitter: uniform in [0, ceiling], reproducible from the injected random
    Random same = new Random(42);
    for (int attempt = 1; attempt <= 10; attempt++) {
      long d = b.delayMs(attempt);
      assertThat(d)
          .isBetween(0L, b.ceiling(attempt))
          .isEqualTo(same.nextLong(b.ceiling(attempt) + 1));
    }
    // spread: many draws for one attempt cover the range, not one fixed value
    long min = Long.MAX_VALUE;
    long max = 0;
    for (int i = 0; i < 1000; i++) {
      long d = b.delayMs(4);
      min = Math.min(min, d);
      max = Math.max(max, d);
    }
    assertThat(min).isLessThan(1000);
    assertThat(max).isGreaterThan(7000);
  }

  @Test
  void breakerOpensAfterConsecutiveFailuresThenHalfOpensForOneTrial() {
    ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
    CircuitBreaker cb = new CircuitBreaker(3, 30_000, clock);
    assertThat(cb.tryAcquire()).isTrue();
    cb.failure();
    cb.failure();
    cb.success(); // resets the run
    cb.failure();
    cb.failure();
    assertThat(cb.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    cb.failure();
    assertThat(cb.state()).isEqualTo(CircuitBreaker.State.OPEN);
    assertThat(cb.tryAcquire()).isFalse();
    assertThat(cb.reopensAt()).isEqualTo(clock.millis() + 30_000);
    clock.advance(Duration.ofSeconds(30));
    assertThat(cb.state()).isEqualTo(CircuitBreaker.State.HALF_OPEN);
    assertThat(cb.tryAcquire()).isTrue();
    assertThat(cb.tryAcquire()).isFalse(); // one trial at a time
    cb.failure(); // the trial failed: open for another cool-down
    assertThat(cb.state()).isEqualTo(CircuitBreaker.State.OPEN);
    clock.advance(Duration.ofSeconds(30));
    assertThat(cb.tryAcquire()).isTrue();
    cb.success();
    assertThat(cb.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(cb.tryAcquire()).isTrue();
  }

  @Test
  void previewsAreTruncatedOnCodePoints() {
    assertThat(PushJobs.truncate("hello", 10)).isEqualTo("hello");
    assertThat(PushJobs.truncate("hello world", 5)).isEqualTo("hello…");
    assertThat(PushJobs.truncate("😀😀😀", 2)).isEqualTo("😀😀…");
  }
}
