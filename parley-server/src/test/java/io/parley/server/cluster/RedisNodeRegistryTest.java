package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.testsupport.Resp;
import io.parley.server.testsupport.TestRedis;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisNodeRegistryTest extends NodeRegistryContract {
  private RedisFixture fx;
  private Duration ttl;

  @Override
  protected void newStore(Duration ttl) {
    fx = new RedisFixture();
    this.ttl = ttl;
  }

  @Override
  protected NodeRegistry handle() {
    return new RedisNodeRegistry(fx.redis, ttl);
  }

  @Override
  protected ClusterTime time() {
    return ClusterTime.real();
  }

  @Override
  protected void cleanUp() {
    fx.close();
  }

  /**
   * On an embedded server of its own: SCRIPT FLUSH must not disturb other users of a shared one.
   */
  @Test
  void scriptsStillRunAfterTheServerForgetsThem() {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        RedisFixture own = new RedisFixture(TestRedis.keysOn(redis.server()))) {
      NodeRegistry n = new RedisNodeRegistry(own.redis, ttl);
      assertThat(get(n.claimNodeId(1))).isTrue();
      assertThat(get(n.heartbeat(status(1, 1, true)))).isTrue();
      try (Resp r = redis.server().connect()) {
        assertThat(r.call("SCRIPT", "FLUSH")).isEqualTo("OK");
      }
      assertThat(get(n.heartbeat(status(1, 2, true)))).as("EVALSHA -> NOSCRIPT -> EVAL").isTrue();
      assertThat(get(n.liveNodes())).containsExactly(status(1, 2, true));
    }
  }
}
