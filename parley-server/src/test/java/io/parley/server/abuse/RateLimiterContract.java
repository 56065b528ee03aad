package io.parley.server.abuse;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.abuse.RateLimiter.Limit;
import io.parley.server.testsupport.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link RateLimiter} contract, run against every implementation ({@code
 * InMemoryRateLimiterTest}, {@code cluster.RedisRateLimiterTest}): subclasses only say how to make
 * a limiter for a rule and a clock.
 */
public abstract class RateLimiterContract {
  protected ManualClock clock;

  /** A fresh limiter enforcing {@code limit}, reading time from {@code clock}. */
  protected abstract RateLimiter create(Limit limit, ManualClock clock);

  @BeforeEach
  void newClock() {
    clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** The decision of {@link RateLimiter#acquire}, which must complete (normally) promptly. */
  protected static long take(RateLimiter l, String key, long permits) {
    try {
      return l.acquire(key, permits).toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("acquire did not complete normally", e);
    }
  }

  /** A key no other test (or earlier run against a shared backend) has used. */
  protected static String key(String name) {
    return name + "-" + UUID.randomUUID();
  }

  @Test
  void aNewKeyHasAFullBurstThenWaits() {
    RateLimiter l = create(new Limit(2, 1000, 5), clock); // 2/s, burst 5
    String k = key("burst");
    for (int i = 0; i < 5; i++) {
      assertThat(take(l, k, 1)).as("request %d", i).isZero();
    }
    // empty: the next token comes back after 1000 / 2 = 500 ms
    assertThat(take(l, k, 1)).isEqualTo(500);
  }

  @Test
  void tokensComeBackAtTheRateAndTheRetryAfterIsExact() {
    RateLimiter l = create(new Limit(2, 1000, 2), clock);
    String k = key("refill");
    assertThat(take(l, k, 2)).isZero();
    long wait = take(l, k, 1);
    assertThat(wait).isEqualTo(500);
    clock.advance(Duration.ofMillis(wait - 1));
    assertThat(take(l, k, 1)).as("one ms early").isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    assertThat(take(l, k, 1)).as("on time").isZero();
    assertThat(take(l, k, 1)).isEqualTo(500);
  }

  @Test
  void aRefusedRequestTakesNothing() {
    RateLimiter l = create(new Limit(10, 1000, 10), clock);
    String k = key("partial");
    assertThat(take(l, k, 7)).isZero();
    // 3 left: asking for 5 is refused, wait for 2 tokens = 200 ms
    assertThat(take(l, k, 5)).isEqualTo(200);
    // ...and took nothing, so the 3 are still there
    assertThat(take(l, k, 3)).isZero();
    assertThat(take(l, k, 1)).isEqualTo(100);
  }

  @Test
  void theBucketNeverHoldsMoreThanTheBurst() {
    RateLimiter l = create(new Limit(100, 1000, 3), clock);
    String k = key("cap");
    clock.advance(Duration.ofHours(1));
    for (int i = 0; i < 3; i++) {
      assertThat(take(l, k, 1)).isZero();
    }
    assertThat(take(l, k, 1)).isPositive();
  }

  @Test
  void moreThanTheBurstNeedsAFullBucket() {
    RateLimiter l = create(new Limit(1, 1000, 4), clock);
    String k = key("big");
    assertThat(take(l, k, 1_000_000)).as("counts as the whole burst").isZero();
    assertThat(take(l, k, 1)).isEqualTo(1000);
    clock.advance(Duration.ofSeconds(3));
    assertThat(take(l, k, 10)).as("3 of 4 tokens").isEqualTo(1000);
    clock.advance(Duration.ofSeconds(1));
    assertThat(take(l, k, 10)).isZero();
  }

  @Test
  void slowRatesRoundTheWaitUp() {
    RateLimiter l = create(new Limit(3, 10_000, 1), clock); // one token per 3333.3 ms
    String k = key("slow");
    assertThat(take(l, k, 1)).isZero();
    assertThat(take(l, k, 1)).isEqualTo(3334);
    clock.advance(Duration.ofMillis(3334));
    assertThat(take(l, k, 1)).isZero();
  }

  @Test
  void keysAreIndependent() {
    RateLimiter l = create(new Limit(1, 60_000, 1), clock);
    String a = key("a");
    String b = key("b");
    assertThat(take(l, a, 1)).isZero();
    assertThat(take(l, a, 1)).isEqualTo(60_000);
    assertThat(take(l, b, 1)).isZero();
  }

  @Test
  void permitsMustBePositive() {
    RateLimiter l = create(new Limit(1, 1000, 1), clock);
    assertThatThrownBy(() -> l.acquire(key("zero"), 0))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(l.limit()).isEqualTo(new Limit(1, 1000, 1));
  }

  @Test
  void concurrentCallersNeverGetMoreThanTheBucketHolds() throws Exception {
    RateLimiter l = create(new Limit(1, 3_600_000, 100), clock); // no refill during the test
    String k = key("race");
    int threads = 8;
    int attempts = 50;
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<Integer>> results = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        results.add(
            pool.submit(
                () -> {
                  start.await();
                  int allowed = 0;
                  for (int i = 0; i < attempts; i++) {
                    if (take(l, k, 1) == 0) {
                      allowed++;
                    }
                  }
                  return allowed;
                }));
      }
      start.countDown();
      int total = 0;
      for (Future<Integer> f : results) {
        total += f.get(30, TimeUnit.SECONDS);
      }
      assertThat(total).isEqualTo(100);
    } finally {
      pool.shutdownNow();
    }
  }
}
