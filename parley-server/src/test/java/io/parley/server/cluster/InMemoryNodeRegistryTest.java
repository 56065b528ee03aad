package io.parley.server.cluster;

import io.parley.server.testsupport.ManualClock;
import java.time.Duration;

class InMemoryNodeRegistryTest extends NodeRegistryContract {
  private final ManualClock clock = ClusterTime.newClock();
  private InMemoryNodeRegistry.Directory directory;

  @Override
  protected void newStore(Duration ttl) {
    directory = new InMemoryNodeRegistry.Directory(clock, ttl);
  }

  @Override
  protected NodeRegistry handle() {
    return new InMemoryNodeRegistry(directory);
  }

  @Override
  protected ClusterTime time() {
    return ClusterTime.manual(clock);
  }
}
