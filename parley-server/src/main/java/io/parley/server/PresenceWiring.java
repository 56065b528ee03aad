package io.parley.server;

import io.parley.server.auth.UserStore;
import io.parley.server.cluster.ClusterNode;
import io.parley.server.cluster.InMemoryPresenceStore;
import io.parley.server.cluster.InMemorySessionRegistry;
import io.parley.server.cluster.PresenceStore;
import io.parley.server.cluster.RedisPresenceStore;
import io.parley.server.cluster.SessionRegistry;
import io.parley.server.config.ParleyConfig;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.delivery.Broker;
import io.parley.server.gateway.ConnectionRegistry;
import io.parley.server.presence.LocalUsers;
import io.parley.server.presence.PresenceService;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.concurrent.Executor;

/**
 * Presence (F8, cluster-wide in F18): the {@link PresenceService} on the cluster's Redis presence
 * store and session registry, or on in-memory ones on a single node (same code path), fed by the
 * broker's events and renewed every {@code cluster.heartbeat_ms}; online leases live {@code
 * cluster.lease_ttl_ms}.
 */
final class PresenceWiring implements AutoCloseable {
  private final Vertx vertx;
  private final PresenceService service;
  private final PresenceStore store;
  private final long timer;

  private PresenceWiring(Vertx vertx, PresenceService service, PresenceStore store, long timer) {
    this.vertx = vertx;
    this.service = service;
    this.store = store;
    this.timer = timer;
  }

  static PresenceWiring build(
      ParleyConfig cfg,
      Vertx vertx,
      Clock clock,
      ClusterNode cluster,
      Broker broker,
      ConnectionRegistry connections,
      Memberships memberships,
      UserStore users,
      Executor workers) {
    ParleyConfig.Cluster c = cfg.cluster();
    Duration ttl = Duration.ofMillis(c != null ? c.leaseTtlMs() : 15_000);
    long heartbeatMs = c != null ? c.heartbeatMs() : 5_000;
    PresenceStore store;
    SessionRegistry sessions;
    if (cluster != null) {
      store = new RedisPresenceStore(cluster.redis(), clock, ttl);
      sessions = cluster.sessions();
    } else {
      // one node: every session is local, so the registry never shows another node
      store = new InMemoryPresenceStore(clock, ttl);
      sessions = new InMemorySessionRegistry(clock, ttl);
    }
    PresenceService presence =
        new PresenceService(
            store,
            sessions,
            broker,
            cfg.node().id(),
            LocalUsers.of(connections::isOnline, connections::users),
            memberships,
            users,
            workers,
            clock);
    memberships.setRelationshipListener(presence);
    broker.onEvent(
        e -> {
          switch (e.kind()) {
            case PRESENCE_CHANGED -> presence.changed(e.subjectId());
            case PRIVACY_CHANGED -> presence.privacyChanged(e.subjectId());
            case CACHES_STALE -> presence.cachesStale();
            default -> {}
          }
        });
    long timer = vertx.setPeriodic(heartbeatMs, t -> presence.heartbeat());
    return new PresenceWiring(vertx, presence, store, timer);
  }

  PresenceService service() {
    return service;
  }

  @Override
  public void close() {
    vertx.cancelTimer(timer);
    store.close();
  }
}
