package io.parley.server.delivery;

import java.util.Collection;

/** Single-node broker: every device is local, so publishing is handing to the local sink. */
public final class InMemoryBroker implements Broker {
  private final LocalSink sink;

  public InMemoryBroker(LocalSink sink) {
    this.sink = sink;
  }

  @Override
  public void publish(Collection<Long> userIds, Outbound frame, long excludeDeviceId) {
    sink.deliver(userIds, frame, excludeDeviceId);
  }

  @Override
  public void close() {}
}
