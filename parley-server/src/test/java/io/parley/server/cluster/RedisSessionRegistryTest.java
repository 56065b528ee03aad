package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RedisSessionRegistryTest extends SessionRegistryContract {
  private RedisFixture fx;

  @Override
  protected SessionRegistry newRegistry(Duration leaseTtl) {
    fx = new RedisFixture();
    return new RedisSessionRegistry(fx.redis, leaseTtl);
  }

  @Override
  protected ClusterTime time() {
    return ClusterTime.real();
  }

  @Override
  protected void cleanUp() {
    fx.close();
  }

  @Test
  void staleFieldsAreDeletedWhenRead() {
    get(reg.register(7, 71, 3, "c"));
    assertThat(fx.keys.count()).isEqualTo(2); // lease:3 and sess:7
    time.eventually(() -> assertThat(get(reg.devicesOf(7))).isEmpty());
    time.eventually(() -> assertThat(fx.keys.count()).isZero());
  }
}
