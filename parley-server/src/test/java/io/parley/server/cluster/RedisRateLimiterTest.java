package io.parley.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.server.abuse.RateLimiter;
import io.parley.server.abuse.RateLimiter.Limit;
import io.parley.server.abuse.RateLimiterContract;
import io.parley.server.testsupport.ManualClock;
import io.parley.server.testsupport.Resp;
import io.parley.server.testsupport.TestRedis;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The {@link RateLimiter} contract on {@link RedisRateLimiter}, plus what only a shared bucket has:
 * nodes share it, idle keys expire, and a Redis that is down or slow never fails or holds up a
 * decision (the node-local bucket decides meanwhile).
 */
class RedisRateLimiterTest extends RateLimiterContract {
  private static final Limit TWO_PER_SECOND_BURST_5 = new Limit(2, 1000, 5);
  private static final Duration PATIENT = Duration.ofSeconds(5);
  private static final Duration RETRY = Duration.ofMillis(200);

  private final RedisFixture fx = new RedisFixture();

  @AfterEach
  void close() {
    fx.close();
  }

  @Override
  protected RateLimiter create(Limit limit, ManualClock clock) {
    return limiter(fx.redis, limit, PATIENT);
  }

  private RedisRateLimiter limiter(ClusterRedis redis, Limit limit, Duration timeout) {
    return new RedisRateLimiter(redis, "msg", limit, clock, timeout, RETRY, 1000);
  }

  @Test
  void bucketsAreSharedByAllNodes() {
    ClusterRedis other = fx.another();
    try {
      RedisRateLimiter nodeA = limiter(fx.redis, TWO_PER_SECOND_BURST_5, PATIENT);
      RedisRateLimiter nodeB = limiter(other, TWO_PER_SECOND_BURST_5, PATIENT);
      String k = key("shared");
      assertThat(take(nodeA, k, 3)).isZero();
      assertThat(take(nodeB, k, 2)).isZero();
      assertThat(take(nodeA, k, 1)).isPositive();
      assertThat(take(nodeB, k, 1)).isPositive();
      assertThat(nodeA.fallbackCount() + nodeB.fallbackCount()).isZero();
    } finally {
      other.close();
    }
  }

  @Test
  void manyRequestsInFlightNeverGetMoreThanTheBucketHolds() {
    RedisRateLimiter rl = limiter(fx.redis, new Limit(1, 60_000, 20), PATIENT);
    String k = key("hot");
    List<CompletableFuture<Long>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(rl.acquire(k, 1).toCompletableFuture());
    }
    assertThat(all.stream().filter(f -> f.join() == 0).count()).isEqualTo(20);
  }

  @Test
  void idleBucketsExpire() {
    RedisRateLimiter rl = limiter(fx.redis, new Limit(1000, 1000, 1), PATIENT);
    assertThat(take(rl, "e", 1)).isZero();
    try (Resp r = fx.keys.server().connect()) {
      Object ttl = r.call("PTTL", fx.keys.prefix() + "rl:msg:e");
      assertThat((Long) ttl).isBetween(1L, 2000L);
    }
  }

  /**
   * On an embedded server of its own: it is flushed, stopped and restarted. While it is down the
   * node-local bucket decides at once (the limit still holds per node); once it is back, a probe
   * finds it and the shared bucket decides again.
   */
  @Test
  void fallsBackToTheLocalBucketWhileRedisIsDownAndReturnsToRedis() {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        RedisFixture own = new RedisFixture(TestRedis.keysOn(redis.server()))) {
      RedisRateLimiter rl = limiter(own.redis, new Limit(1, 60_000, 2), PATIENT);
      assertThat(take(rl, "k", 1)).isZero();
      try (Resp r = redis.server().connect()) {
        assertThat(r.call("SCRIPT", "FLUSH")).isEqualTo("OK");
      }
      assertThat(take(rl, "k", 1)).as("EVALSHA -> NOSCRIPT -> EVAL").isZero();
      assertThat(take(rl, "k", 1)).isEqualTo(60_000);
      assertThat(rl.fallbackCount()).isZero();
      assertThat(rl.degraded()).isFalse();

      redis.stop();
      // the local bucket of the same rule decides: a full bucket of 2, then refusals
      assertThat(take(rl, "k", 1)).as("Redis down: local bucket").isZero();
      assertThat(rl.degraded()).isTrue();
      long before = System.nanoTime();
      assertThat(take(rl, "k", 1)).isZero();
      assertThat(take(rl, "k", 1)).as("the limit still holds on this node").isEqualTo(60_000);
      assertThat(Duration.ofNanos(System.nanoTime() - before))
          .as("local decisions do not wait for Redis")
          .isLessThan(Duration.ofSeconds(1));
      assertThat(rl.fallbackCount()).isEqualTo(3);

      redis.start();
      awaitBackOnRedis(rl);
      long fallbacks = rl.fallbackCount();
      String fresh = key("after");
      assertThat(take(rl, fresh, 2)).isZero();
      try (ClusterRedis otherNode = own.another()) {
        assertThat(take(limiter(otherNode, new Limit(1, 60_000, 2), PATIENT), fresh, 1))
            .as("shared in Redis again")
            .isPositive();
      }
      assertThat(rl.fallbackCount()).isEqualTo(fallbacks);
    }
  }

  /**
   * A paused Redis (CLIENT PAUSE: it accepts commands but answers none) costs a decision at most
   * the timeout; the local bucket decides it and, until the retry, the next ones without waiting.
   */
  @Test
  void aSlowRedisCostsADecisionAtMostTheTimeout() {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        RedisFixture own = new RedisFixture(TestRedis.keysOn(redis.server()))) {
      RedisRateLimiter rl = limiter(own.redis, new Limit(1, 60_000, 5), Duration.ofMillis(300));
      assertThat(take(rl, "s", 1)).isZero();
      try (Resp r = redis.server().connect()) {
        assertThat(r.call("CLIENT", "PAUSE", "3000", "ALL")).isEqualTo("OK");
      }
      long start = System.nanoTime();
      assertThat(take(rl, "s", 1)).as("timed out: local bucket").isZero();
      assertThat(rl.degraded()).isTrue();
      assertThat(take(rl, "s", 1)).isZero();
      assertThat(Duration.ofNanos(System.nanoTime() - start))
          .as("one timeout, then local decisions")
          .isLessThan(Duration.ofMillis(2500));
      assertThat(rl.fallbackCount()).isEqualTo(2);
      // (CLIENT UNPAUSE would itself wait for the pause: let it run out)
      awaitBackOnRedis(rl);
    }
  }

  /** Probes until a probe finds Redis and the limiter leaves its local fallback. */
  private static void awaitBackOnRedis(RedisRateLimiter rl) {
    await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> {
              take(rl, key("probe"), 1);
              assertThat(rl.degraded()).isFalse();
            });
  }
}
