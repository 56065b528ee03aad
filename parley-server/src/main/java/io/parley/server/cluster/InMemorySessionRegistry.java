package io.parley.server.cluster;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Single-process {@link SessionRegistry}: the same lease model as {@link RedisSessionRegistry},
 * with time from an injected {@link Clock} (so tests can let leases lapse without waiting).
 * Thread-safe; futures are already completed.
 */
public final class InMemorySessionRegistry implements SessionRegistry {
  private record Lease(long incarnation, long expiresAtMs) {}

  private record Entry(int nodeId, long incarnation, String connId) {}

  private final Clock clock;
  private final long ttlMs;
  private final Map<Integer, Lease> leases = new HashMap<>();
  private final Map<Long, Map<Long, Entry>> sessions = new HashMap<>();
  private long nextIncarnation = 1;

  public InMemorySessionRegistry(Clock clock, Duration leaseTtl) {
    this.clock = clock;
    this.ttlMs = leaseTtl.toMillis();
  }

  @Override
  public synchronized Future<Void> register(long userId, long deviceId, int nodeId, String connId) {
    Lease lease = liveLease(nodeId);
    if (lease == null) {
      lease = newLease(nodeId);
    }
    sessions
        .computeIfAbsent(userId, u -> new HashMap<>())
        .put(deviceId, new Entry(nodeId, lease.incarnation(), connId));
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> unregister(long userId, long deviceId, String connId) {
    Map<Long, Entry> devices = sessions.get(userId);
    if (devices != null) {
      Entry e = devices.get(deviceId);
      if (e != null && e.connId().equals(connId)) {
        devices.remove(deviceId);
        if (devices.isEmpty()) {
          sessions.remove(userId);
        }
      }
    }
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<List<Session>> devicesOf(long userId) {
    return Future.succeededFuture(live(userId));
  }

  @Override
  public synchronized Future<Set<Integer>> nodesOf(long userId) {
    return Future.succeededFuture(nodes(userId));
  }

  @Override
  public synchronized Future<Map<Long, Set<Integer>>> nodesOf(Collection<Long> userIds) {
    Map<Long, Set<Integer>> out = new HashMap<>();
    for (long u : userIds) {
      out.put(u, nodes(u));
    }
    return Future.succeededFuture(out);
  }

  @Override
  public synchronized Future<Boolean> heartbeat(int nodeId) {
    Lease lease = liveLease(nodeId);
    if (lease == null) {
      boolean first = !leases.containsKey(nodeId);
      newLease(nodeId);
      return Future.succeededFuture(first);
    }
    leases.put(nodeId, new Lease(lease.incarnation(), clock.millis() + ttlMs));
    return Future.succeededFuture(true);
  }

  private Set<Integer> nodes(long userId) {
    Set<Integer> nodes = new TreeSet<>();
    for (Session s : live(userId)) {
      nodes.add(s.nodeId());
    }
    return nodes;
  }

  private List<Session> live(long userId) {
    List<Session> out = new ArrayList<>();
    Map<Long, Entry> devices = sessions.get(userId);
    if (devices != null) {
      for (Map.Entry<Long, Entry> d : devices.entrySet()) {
        Entry e = d.getValue();
        Lease lease = liveLease(e.nodeId());
        if (lease != null && lease.incarnation() == e.incarnation()) {
          out.add(new Session(userId, d.getKey(), e.nodeId(), e.connId()));
        }
      }
    }
    return out;
  }

  private Lease liveLease(int nodeId) {
    Lease l = leases.get(nodeId);
    return l != null && l.expiresAtMs() > clock.millis() ? l : null;
  }

  private Lease newLease(int nodeId) {
    Lease l = new Lease(nextIncarnation++, clock.millis() + ttlMs);
    leases.put(nodeId, l);
    return l;
  }

  @Override
  public void close() {}
}
