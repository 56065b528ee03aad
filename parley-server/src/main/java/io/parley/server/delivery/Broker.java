package io.parley.server.delivery;

import java.util.Collection;

/**
 * Routes frames to the connected devices of users, wherever they are connected. The in-memory
 * implementation serves one node; a Redis implementation routes across a cluster. Delivery is
 * best-effort and at-most-once: devices that miss a frame recover stored messages from their
 * delivery position on reconnect.
 *
 * <p>Ordering: frames published from one thread reach each device in publication order.
 */
public interface Broker extends AutoCloseable {

  /**
   * Delivers {@code frame} to every connected device of each of {@code userIds}, except device
   * {@code excludeDeviceId} (0 for none).
   */
  void publish(Collection<Long> userIds, Outbound frame, long excludeDeviceId);

  @Override
  void close();
}
