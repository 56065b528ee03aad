package io.parley.server.cluster;

import java.util.function.Consumer;

/**
 * This node's connected devices as the cluster sees them (the gateway's connections, without
 * depending on the gateway): counted for discovery, registered again when the session lease lapsed.
 */
public interface LocalDevices {
  /** One connection of a device on this node; {@code connId} is unique among this node's. */
  record Device(long userId, long deviceId, String connId) {}

  /** How many connections this node holds. */
  int count();

  void forEach(Consumer<Device> action);
}
