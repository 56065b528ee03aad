package io.parley.server.cluster;

import java.time.Clock;
import java.time.Duration;

class RedisPresenceStoreTest extends PresenceStoreContract {
  private RedisFixture fx;

  @Override
  protected PresenceStore newStore(Duration ttl) {
    fx = new RedisFixture();
    clock = Clock.systemUTC();
    return new RedisPresenceStore(fx.redis, clock, ttl);
  }

  @Override
  protected ClusterTime time() {
    return ClusterTime.real();
  }

  @Override
  protected void cleanUp() {
    fx.close();
  }
}
