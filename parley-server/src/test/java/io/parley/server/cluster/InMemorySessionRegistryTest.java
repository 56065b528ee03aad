package io.parley.server.cluster;

import io.parley.server.testsupport.ManualClock;
import java.time.Duration;

class InMemorySessionRegistryTest extends SessionRegistryContract {
  private final ManualClock clock = ClusterTime.newClock();

  @Override
  protected SessionRegistry newRegistry(Duration leaseTtl) {
    return new InMemorySessionRegistry(clock, leaseTtl);
  }

  @Override
  protected ClusterTime time() {
    return ClusterTime.manual(clock);
  }
}
