package io.parley.server.cluster;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Single-process {@link NodeRegistry}: handles made on one {@link Directory} see each other, with
 * time from the directory's injected {@link Clock}.
 */
public final class InMemoryNodeRegistry implements NodeRegistry {

  /** The shared state: claims and announced statuses, with their expiry. */
  public static final class Directory {
    private record Claim(String owner, long expiresAtMs) {}

    private record Announced(NodeStatus status, long expiresAtMs) {}

    private final Clock clock;
    private final long ttlMs;
    private final Map<Integer, Claim> claims = new HashMap<>();
    private final Map<Integer, Announced> nodes = new HashMap<>();

    public Directory(Clock clock, Duration ttl) {
      this.clock = clock;
      this.ttlMs = ttl.toMillis();
    }

    private synchronized boolean claim(int nodeId, String owner) {
      long now = clock.millis();
      Claim c = claims.get(nodeId);
      if (c != null && c.expiresAtMs() > now && !c.owner().equals(owner)) {
        return false;
      }
      claims.put(nodeId, new Claim(owner, now + ttlMs));
      return true;
    }

    private synchronized boolean heartbeat(NodeStatus status, String owner) {
      if (!claim(status.nodeId(), owner)) {
        return false;
      }
      nodes.put(status.nodeId(), new Announced(status, clock.millis() + ttlMs));
      return true;
    }

    private synchronized void deregister(int nodeId, String owner) {
      Claim c = claims.get(nodeId);
      if (c != null && c.owner().equals(owner)) {
        claims.remove(nodeId);
        nodes.remove(nodeId);
      }
    }

    private synchronized List<NodeStatus> live() {
      long now = clock.millis();
      List<NodeStatus> out = new ArrayList<>();
      nodes.values().removeIf(a -> a.expiresAtMs() <= now);
      nodes.keySet().stream().sorted().forEach(id -> out.add(nodes.get(id).status()));
      return out;
    }
  }

  private final Directory directory;
  private final String owner = UUID.randomUUID().toString();

  public InMemoryNodeRegistry(Directory directory) {
    this.directory = directory;
  }

  @Override
  public Future<Boolean> claimNodeId(int nodeId) {
    return Future.succeededFuture(directory.claim(nodeId, owner));
  }

  @Override
  public Future<Boolean> heartbeat(NodeStatus status) {
    return Future.succeededFuture(directory.heartbeat(status, owner));
  }

  @Override
  public Future<Void> deregister(int nodeId) {
    directory.deregister(nodeId, owner);
    return Future.succeededFuture();
  }

  @Override
  public Future<List<NodeStatus>> liveNodes() {
    return Future.succeededFuture(directory.live());
  }

  @Override
  public void close() {}
}
