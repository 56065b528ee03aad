package io.parley.server.gateway;

import io.parley.protocol.CloseCodes;
import io.parley.server.auth.RevocationListener;
import java.util.concurrent.ConcurrentHashMap;

/**
 * This node's end of device revocation: remembers revoked devices for a while, so frames of theirs
 * still in flight (parsed, or queued in a connection's serial chain) are dropped, and closes their
 * connections with 4401. A connection registered while the revocation runs is closed by {@link
 * ConnectionRegistry#add}, which checks this set after adding.
 *
 * <p>Entries expire after {@code retainMillis} (by then the device's connections are gone and its
 * tokens are refused at authentication); the set is pruned on insert.
 */
public final class RevokedDevices implements RevocationListener {
  private static final long DEFAULT_RETAIN_MILLIS = 15 * 60_000L;

  private final ConcurrentHashMap<Long, Long> revokedAt = new ConcurrentHashMap<>();
  private final long retainNanos;
  private volatile ConnectionRegistry registry;

  public RevokedDevices() {
    this(DEFAULT_RETAIN_MILLIS);
  }

  public RevokedDevices(long retainMillis) {
    this.retainNanos = retainMillis * 1_000_000L;
  }

  /** The connections to close on revocation (set once at wiring). */
  void attach(ConnectionRegistry registry) {
    this.registry = registry;
  }

  /** True if the device was revoked (recently enough to still be remembered). */
  public boolean contains(long deviceId) {
    return !revokedAt.isEmpty() && revokedAt.containsKey(deviceId);
  }

  @Override
  public void deviceRevoked(long userId, long deviceId) {
    long now = System.nanoTime();
    revokedAt.values().removeIf(t -> now - t > retainNanos);
    revokedAt.put(deviceId, now);
    ConnectionRegistry r = registry;
    if (r != null) {
      r.closeDevice(userId, deviceId, CloseCodes.UNAUTHORIZED, "device revoked");
    }
  }
}
