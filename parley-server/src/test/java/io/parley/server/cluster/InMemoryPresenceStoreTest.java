package io.parley.server.cluster;

import io.parley.server.testsupport.ManualClock;
import java.time.Duration;

class InMemoryPresenceStoreTest extends PresenceStoreContract {
  private final ManualClock manual = ClusterTime.newClock();

  @Override
  protected PresenceStore newStore(Duration ttl) {
    clock = manual;
    return new InMemoryPresenceStore(manual, ttl);
  }

  @Override
  protected ClusterTime time() {
    return ClusterTime.manual(manual);
  }
}
