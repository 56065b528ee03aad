package io.parley.server.abuse;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LoginBackoffTest {
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));

  @Test
  void freeFailuresThenADoublingCappedLockThatSuccessResets() {
    LoginBackoff b = new LoginBackoff(5, 1000, 4000, 3_600_000, 100, clock);
    for (int i = 0; i < 5; i++) {
      assertThat(b.failed("alice")).as("free failure %d", i).isZero();
      assertThat(b.waitMs("alice")).isZero();
    }
    assertThat(b.failed("alice")).isEqualTo(1000);
    assertThat(b.waitMs("alice")).isEqualTo(1000);
    clock.advance(Duration.ofMillis(400));
    assertThat(b.waitMs("alice")).isEqualTo(600);
    clock.advance(Duration.ofMillis(600));
    assertThat(b.waitMs("alice")).isZero();
    assertThat(b.failed("alice")).isEqualTo(2000);
    clock.advance(Duration.ofSeconds(2));
    assertThat(b.failed("alice")).isEqualTo(4000);
    clock.advance(Duration.ofSeconds(4));
    assertThat(b.failed("alice")).as("capped").isEqualTo(4000);
    assertThat(b.waitMs("bob")).as("other accounts unaffected").isZero();
    clock.advance(Duration.ofSeconds(4));
    b.succeeded("alice");
    assertThat(b.waitMs("alice")).isZero();
    assertThat(b.failed("alice")).as("starts afresh").isZero();
  }

  @Test
  void oldFailuresAreForgottenAndMemoryIsBounded() {
    LoginBackoff b = new LoginBackoff(1, 1000, 60_000, 10_000, 100, clock);
    b.failed("carol");
    clock.advance(Duration.ofSeconds(11));
    assertThat(b.failed("carol")).as("the first failure was forgotten").isZero();
    for (int i = 0; i < 1000; i++) {
      b.failed("user-" + i);
    }
    assertThat(b.trackedKeys()).isLessThanOrEqualTo(101);
  }
}
