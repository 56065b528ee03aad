package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.parley.server.cluster.RedisRateLimiter.Rate;
import io.parley.server.testsupport.ManualClock;
import io.parley.server.testsupport.Resp;
import io.parley.server.testsupport.TestRedis;
import io.vertx.core.Future;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class RedisRateLimiterTest {
  private static final Rate TWO_PER_SECOND_BURST_5 = new Rate(2, 1000, 5);

  private final RedisFixture fx = new RedisFixture();
  private final ManualClock clock = ClusterTime.newClock();

  @AfterEach
  void close() {
    fx.close();
  }

  private RedisRateLimiter limiter(ClusterRedis redis, Rate rate) {
    return new RedisRateLimiter(redis, "msg", rate, clock, Duration.ofSeconds(2));
  }

  @Test
  void fullBucketThenWaitUntilRefilled() {
    RedisRateLimiter rl = limiter(fx.redis, TWO_PER_SECOND_BURST_5);
    for (int i = 0; i < 5; i++) {
      assertThat(get(rl.acquire("u1", 1))).as("token %d", i).isZero();
    }
    assertThat(get(rl.acquire("u1", 1))).isEqualTo(500);
    assertThat(get(rl.acquire("u1", 2))).as("nothing was taken by the refusal").isEqualTo(1000);
    clock.advance(Duration.ofMillis(499));
    assertThat(get(rl.acquire("u1", 1))).as("rounded up, at least 1").isEqualTo(1);
    clock.advance(Duration.ofMillis(1));
    assertThat(get(rl.acquire("u1", 1))).isZero();
    assertThat(get(rl.acquire("u2", 1))).as("keys are independent").isZero();
  }

  @Test
  void refillIsCappedAtTheBurstAndBigRequestsCountAsTheBurst() {
    RedisRateLimiter rl = limiter(fx.redis, TWO_PER_SECOND_BURST_5);
    clock.advance(Duration.ofHours(1));
    assertThat(get(rl.acquire("k", 50))).as("more than the burst passes on a full bucket").isZero();
    assertThat(get(rl.acquire("k", 50))).isEqualTo(2500);
    clock.advance(Duration.ofHours(1));
    for (int i = 0; i < 5; i++) {
      assertThat(get(rl.acquire("k", 1))).isZero();
    }
    assertThat(get(rl.acquire("k", 1))).as("capped at 5 after a long idle").isPositive();
  }

  @Test
  void bucketsAreSharedByAllNodes() {
    ClusterRedis other = fx.another();
    try {
      RedisRateLimiter nodeA = limiter(fx.redis, TWO_PER_SECOND_BURST_5);
      RedisRateLimiter nodeB = limiter(other, TWO_PER_SECOND_BURST_5);
      assertThat(get(nodeA.acquire("u", 3))).isZero();
      assertThat(get(nodeB.acquire("u", 2))).isZero();
      assertThat(get(nodeA.acquire("u", 1))).isPositive();
      assertThat(get(nodeB.acquire("u", 1))).isPositive();
    } finally {
      other.close();
    }
  }

  @Test
  void concurrentRequestsNeverGetMoreThanTheBucketHolds() {
    RedisRateLimiter rl = limiter(fx.redis, new Rate(1, 60_000, 20));
    List<Future<Long>> all = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      all.add(rl.acquire("hot", 1));
    }
    get(Future.all(all));
    assertThat(all.stream().filter(f -> f.result() == 0).count()).isEqualTo(20);
  }

  @Test
  void idleBucketsExpire() {
    RedisRateLimiter rl = limiter(fx.redis, new Rate(1000, 1000, 1));
    assertThat(get(rl.acquire("e", 1))).isZero();
    try (Resp r = fx.keys.server().connect()) {
      Object ttl = r.call("PTTL", fx.keys.prefix() + "rl:msg:e");
      assertThat((Long) ttl).isBetween(1L, 2000L);
    }
  }

  @Test
  void badPermitsAreRejected() {
    RedisRateLimiter rl = limiter(fx.redis, TWO_PER_SECOND_BURST_5);
    assertThatThrownBy(() -> rl.acquire("k", 0)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new Rate(0, 1000, 1)).isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void blockingFormWorksOffTheEventLoopAndRefusesOnIt() {
    RedisRateLimiter rl = limiter(fx.redis, TWO_PER_SECOND_BURST_5);
    assertThat(rl.tryAcquire("b", 5)).isZero();
    assertThat(rl.tryAcquire("b", 1)).isEqualTo(500);
    Future<Object> onLoop =
        fx.vertx
            .getOrCreateContext()
            .executeBlocking(() -> "unused")
            .compose(
                x -> {
                  try {
                    rl.tryAcquire("b", 1);
                    return Future.succeededFuture("not refused");
                  } catch (IllegalStateException e) {
                    return Future.succeededFuture("refused");
                  }
                });
    assertThat(get(onLoop)).isEqualTo("refused");
  }

  /** On an embedded server of its own: it is flushed and stopped. */
  @Test
  void survivesAScriptFlushAndFailsOpenWhileRedisIsDown() {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        RedisFixture own = new RedisFixture(TestRedis.keysOn(redis.server()))) {
      RedisRateLimiter rl = limiter(own.redis, new Rate(1, 60_000, 1));
      assertThat(get(rl.acquire("k", 1))).isZero();
      try (Resp r = redis.server().connect()) {
        assertThat(r.call("SCRIPT", "FLUSH")).isEqualTo("OK");
      }
      assertThat(get(rl.acquire("k", 1))).as("EVALSHA -> NOSCRIPT -> EVAL").isPositive();
      assertThat(rl.failOpenCount()).isZero();

      redis.stop();
      assertThat(get(rl.acquire("k", 1))).as("fails open").isZero();
      assertThat(rl.tryAcquire("k", 1)).isZero();
      assertThat(rl.failOpenCount()).isEqualTo(2);

      redis.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> get(rl.acquire("k2", 1)) == 0 && get(rl.acquire("k2", 1)) > 0);
    }
  }
}
