package io.parley.server.cluster;

import io.parley.server.delivery.Broker;
import io.parley.server.delivery.InMemoryBroker;

/** The single-node broker: both "nodes" are sinks of the one process it serves. */
class InMemoryBrokerTest extends BrokerContract {
  private Broker broker;

  @Override
  protected void startNodes() {
    broker =
        new InMemoryBroker(
            (users, frame, exclude) -> {
              sinkA.deliver(users, frame, exclude);
              sinkB.deliver(users, frame, exclude);
            });
  }

  @Override
  protected Broker broker(int node) {
    return broker;
  }

  @Override
  protected void connect(int node, long userId, long deviceId) {
    (node == A ? sinkA : sinkB).connect(userId, deviceId);
  }

  @Override
  protected void stopNodes() {
    broker.close();
  }
}
