package io.parley.server.delivery;

import java.util.Collection;
import java.util.function.Consumer;

/**
 * Routes frames to the connected devices of users, wherever they are connected. The in-memory
 * implementation serves one node; {@code io.parley.server.cluster.RedisBroker} routes across a
 * cluster. Delivery is best-effort and at-most-once: devices that miss a frame recover stored
 * messages from their delivery position on reconnect. Message frames carry their conversation and
 * {@code seq} ({@link Outbound}), so a receiver can also detect a gap and fetch the missing range
 * from the store.
 *
 * <p>{@link #publish} never blocks the caller (it runs on the commit/fan-out pipeline): an
 * implementation that must do I/O queues the frame in bounded memory and drops (and counts) what
 * does not fit.
 *
 * <p>Ordering: frames published from one thread reach each device in publication order.
 *
 * <p>Events: {@link #publishEvent} broadcasts a {@link ClusterEvent} to every node, <em>including
 * the sending node</em>, through the same path, so listeners registered with {@link #onEvent} are
 * the one place that applies an invalidation (the sender must not also apply it by hand). Each
 * connected node receives an event once; a node that may have missed events is told with a local
 * {@link ClusterEvent.Kind#CACHES_STALE}.
 */
public interface Broker extends AutoCloseable {

  /**
   * Delivers {@code frame} to every connected device of each of {@code userIds}, except device
   * {@code excludeDeviceId} (0 for none).
   */
  void publish(Collection<Long> userIds, Outbound frame, long excludeDeviceId);

  /** Broadcasts {@code event} to every node's listeners (this node's included). Never blocks. */
  void publishEvent(ClusterEvent event);

  /** Adds a listener for events; called on a broker thread, must not block. */
  void onEvent(Consumer<ClusterEvent> listener);

  @Override
  void close();
}
