package io.parley.server.auth;

/**
 * Hears that a device was revoked (logout, refresh-token reuse, removal by its user), after the
 * revocation is stored. On one node the gateway closes the device's connections with 4401 and stops
 * accepting its frames; in cluster mode the event is to be routed through the broker to every node.
 * Implementations must not block.
 */
@FunctionalInterface
public interface RevocationListener {
  void deviceRevoked(long userId, long deviceId);
}
