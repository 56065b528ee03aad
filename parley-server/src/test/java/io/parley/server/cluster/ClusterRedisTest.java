package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.server.testsupport.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class ClusterRedisTest {

  @Test
  void pingFollowsTheServersAvailability() {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        RedisFixture fx = new RedisFixture(TestRedis.keysOn(redis.server()))) {
      get(fx.redis.ping());
      assertThat(fx.redis.key("x")).isEqualTo(fx.keys.prefix() + "x");

      redis.stop();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  fx.redis
                      .ping()
                      .toCompletionStage()
                      .toCompletableFuture()
                      .handle((v, e) -> e != null)
                      .get());

      redis.start();
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  fx.redis
                      .ping()
                      .toCompletionStage()
                      .toCompletableFuture()
                      .handle((v, e) -> e == null)
                      .get());
    }
  }
}
