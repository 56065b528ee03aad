package io.parley.server.push;

/**
 * Whether users and devices are connected right now. On one node this is the node's connection
 * registry; in cluster mode a shared session registry answers for every node.
 */
public interface DevicePresence {
  /** Whether any device of the user is connected. */
  boolean userOnline(long userId);

  /** Whether this device of the user is connected. */
  boolean deviceOnline(long userId, long deviceId);
}
