package io.parley.server.gateway;

import io.parley.server.delivery.LocalSink;
import io.parley.server.delivery.Outbound;
import java.util.Collection;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * This node's live connections by user. Lookups are lock-free: each user maps to an immutable array
 * that is replaced on connect/disconnect.
 */
public final class ConnectionRegistry implements LocalSink {
  private static final Connection[] NONE = new Connection[0];

  private final ConcurrentHashMap<Long, Connection[]> byUser = new ConcurrentHashMap<>();
  private final AtomicInteger count = new AtomicInteger();
  private final RevokedDevices revoked = new RevokedDevices();
  private volatile Listener listener = NO_LISTENER;

  /**
   * Hears connections come and go on this node (cluster mode registers them as sessions). Called on
   * the connection's event loop; must not block.
   */
  public interface Listener {
    void added(Connection c);

    void removed(Connection c);
  }

  private static final Listener NO_LISTENER =
      new Listener() {
        @Override
        public void added(Connection c) {}

        @Override
        public void removed(Connection c) {}
      };

  public void setListener(Listener listener) {
    this.listener = listener;
  }

  public ConnectionRegistry() {
    revoked.attach(this);
  }

  /** Revoked devices of this node: the revocation listener that closes their connections. */
  public RevokedDevices revoked() {
    return revoked;
  }

  /**
   * Closes every connection of one device of a user on this node with {@code code}; returns how
   * many were closed.
   */
  public int closeDevice(long userId, long deviceId, short code, String reason) {
    int n = 0;
    for (Connection c : of(userId)) {
      if (c.deviceId() == deviceId && !c.isClosed()) {
        c.close(code, reason);
        n++;
      }
    }
    return n;
  }

  /**
   * Adds a connection; returns how many connections the user now has on this node. A connection of
   * a device revoked meanwhile is closed with 4401 (the check follows the insertion, so either this
   * or the revocation's {@link #closeDevice} sees it).
   */
  public int add(Connection c) {
    Connection[] now =
        byUser.merge(
            c.userId(),
            new Connection[] {c},
            (old, one) -> {
              Connection[] n = java.util.Arrays.copyOf(old, old.length + 1);
              n[old.length] = c;
              return n;
            });
    count.incrementAndGet();
    listener.added(c);
    if (revoked.contains(c.deviceId())) {
      c.close(io.parley.protocol.CloseCodes.UNAUTHORIZED, "device revoked");
    }
    return now.length;
  }

  /** Removes a connection; returns how many the user still has on this node. */
  public int remove(Connection c) {
    Connection[] after =
        byUser.computeIfPresent(
            c.userId(),
            (k, old) -> {
              int idx = -1;
              for (int i = 0; i < old.length; i++) {
                if (old[i] == c) {
                  idx = i;
                }
              }
              if (idx < 0) {
                return old;
              }
              if (old.length == 1) {
                return null;
              }
              Connection[] n = new Connection[old.length - 1];
              System.arraycopy(old, 0, n, 0, idx);
              System.arraycopy(old, idx + 1, n, idx, old.length - idx - 1);
              return n;
            });
    count.decrementAndGet();
    listener.removed(c);
    return after == null ? 0 : after.length;
  }

  public Connection[] of(long userId) {
    Connection[] cs = byUser.get(userId);
    return cs == null ? NONE : cs;
  }

  public boolean isOnline(long userId) {
    return byUser.containsKey(userId);
  }

  /** The users with at least one connection on this node (a live view). */
  public java.util.Set<Long> users() {
    return java.util.Collections.unmodifiableSet(byUser.keySet());
  }

  public int size() {
    return count.get();
  }

  public void forEach(Consumer<Connection> action) {
    for (Connection[] cs : byUser.values()) {
      for (Connection c : cs) {
        action.accept(c);
      }
    }
  }

  /** Fans out per event loop ({@link FanOut}): per-recipient work runs on each loop. */
  @Override
  public void batch(Runnable work) {
    FanOut.batch(work);
  }

  @Override
  public void deliver(Collection<Long> userIds, Outbound frame, long excludeDeviceId) {
    for (Long u : userIds) {
      for (Connection c : of(u)) {
        if (c.deviceId() != excludeDeviceId) {
          c.offer(frame);
        }
      }
    }
  }
}
