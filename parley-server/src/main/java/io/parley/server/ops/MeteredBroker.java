package io.parley.server.ops;

import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.Outbound;
import java.util.Collection;
import java.util.function.Consumer;

/**
 * Counts frames published to users ({@code parley_frames_out_total{type}}, one per recipient user)
 * and records the delivery latency of message frames, around any {@link Broker}.
 */
public final class MeteredBroker implements Broker {
  private final Broker delegate;
  private final Metrics metrics;

  public MeteredBroker(Broker delegate, Metrics metrics) {
    this.delegate = delegate;
    this.metrics = metrics;
  }

  @Override
  public void publish(Collection<Long> userIds, Outbound frame, long excludeDeviceId) {
    delegate.publish(userIds, frame, excludeDeviceId);
    metrics.framesOut(typeOf(frame.json()), userIds.size());
    if (frame.isMessage()) {
      metrics.messageHandedOff();
    }
  }

  /** The {@code type} of a frame whose JSON starts with <code>{"type":"</code>, else null. */
  public static String typeOf(String json) {
    String prefix = "{\"type\":\"";
    if (!json.startsWith(prefix)) {
      return null;
    }
    int end = json.indexOf('"', prefix.length());
    return end < 0 ? null : json.substring(prefix.length(), end);
  }

  @Override
  public void publishEvent(ClusterEvent event) {
    delegate.publishEvent(event);
  }

  @Override
  public void onEvent(Consumer<ClusterEvent> listener) {
    delegate.onEvent(listener);
  }

  @Override
  public void close() {
    delegate.close();
  }
}
