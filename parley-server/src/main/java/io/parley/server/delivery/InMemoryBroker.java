package io.parley.server.delivery;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/**
 * Single-node broker: every device is local, so publishing is handing to the local sink, and an
 * event reaches this node's listeners synchronously, on the publishing thread.
 */
public final class InMemoryBroker implements Broker {
  private final LocalSink sink;
  private final List<Consumer<ClusterEvent>> listeners = new CopyOnWriteArrayList<>();

  public InMemoryBroker(LocalSink sink) {
    this.sink = sink;
  }

  @Override
  public void publish(Collection<Long> userIds, Outbound frame, long excludeDeviceId) {
    sink.deliver(userIds, frame, excludeDeviceId);
  }

  @Override
  public void publishEvent(ClusterEvent event) {
    for (Consumer<ClusterEvent> l : listeners) {
      l.accept(event);
    }
  }

  @Override
  public void onEvent(Consumer<ClusterEvent> listener) {
    listeners.add(listener);
  }

  @Override
  public void close() {}
}
