package io.parley.server.push;

import io.parley.server.gateway.Connection;
import io.parley.server.gateway.ConnectionRegistry;

/** {@link DevicePresence} of a single node: its own {@link ConnectionRegistry}. */
public final class LocalDevicePresence implements DevicePresence {
  private final ConnectionRegistry connections;

  public LocalDevicePresence(ConnectionRegistry connections) {
    this.connections = connections;
  }

  @Override
  public boolean userOnline(long userId) {
    return connections.isOnline(userId);
  }

  @Override
  public boolean deviceOnline(long userId, long deviceId) {
    for (Connection c : connections.of(userId)) {
      if (c.deviceId() == deviceId && !c.isClosed()) {
        return true;
      }
    }
    return false;
  }
}
