package io.parley.server.cluster;

import io.parley.server.abuse.RateLimiter;
import io.parley.server.config.ParleyConfig;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.LocalSink;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * This node's membership in a cluster (cluster mode, F18): the Redis connection, the claimed node
 * id, the {@link RedisBroker}, this node's sessions in the {@link SessionRegistry} (registered as
 * connections come and go: {@link #connected}, {@link #disconnected}) and its entry in the {@link
 * NodeRegistry} (discovery), both renewed every {@code cluster.heartbeat_ms}.
 *
 * <p>Lifecycle: {@link #start} validates nothing (the caller runs {@link ClusterConfig#validate}),
 * connects, claims the node id (refusing to start if another live node holds it), and starts the
 * broker. {@link #drain} takes the node out of discovery; {@link #close} deregisters and
 * disconnects.
 */
public final class ClusterNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClusterNode.class);

  /** A rate-limit decision waits this long for Redis before the node-local bucket decides. */
  static final Duration LIMITER_TIMEOUT = Duration.ofMillis(250);

  /** After Redis failed, rate limits stay node-local this long before Redis is probed again. */
  static final Duration LIMITER_RETRY = Duration.ofSeconds(1);

  private final Vertx vertx;
  private final int nodeId;
  private final String wsUrl;
  private final ClusterRedis redis;
  private final RedisSessionRegistry sessions;
  private final RedisNodeRegistry nodes;
  private final RedisBroker broker;
  private final LocalDevices devices;
  private final long heartbeatMs;
  private final List<RedisRateLimiter> limiters = new CopyOnWriteArrayList<>();
  private volatile boolean draining;
  private final AtomicBoolean closed = new AtomicBoolean();
  private volatile Runnable onIdLost = () -> {};
  private long timer = -1;

  private ClusterNode(
      Vertx vertx,
      int nodeId,
      String wsUrl,
      ClusterRedis redis,
      RedisSessionRegistry sessions,
      RedisNodeRegistry nodes,
      RedisBroker broker,
      LocalDevices devices,
      long heartbeatMs) {
    this.vertx = vertx;
    this.nodeId = nodeId;
    this.wsUrl = wsUrl;
    this.redis = redis;
    this.sessions = sessions;
    this.nodes = nodes;
    this.broker = broker;
    this.devices = devices;
    this.heartbeatMs = heartbeatMs;
  }

  /**
   * Joins the cluster. Call outside any event loop (the broker gets an event loop of its own).
   *
   * @throws IllegalStateException when Redis cannot be reached or the node id is taken
   */
  public static ClusterNode start(
      ParleyConfig cfg, Vertx vertx, LocalSink sink, LocalDevices devices) {
    ParleyConfig.Cluster c = cfg.cluster();
    int nodeId = cfg.node().id();
    ClusterRedis redis = new ClusterRedis(vertx, c.redisUrl(), c.keyPrefix());
    try {
      try {
        redis.ping().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(
            "cluster mode: cannot reach Redis at "
                + c.redisUrl()
                + " (cluster.redis_url / PARLEY_CLUSTER_REDIS_URL): "
                + e.getMessage(),
            e);
      }
      Duration ttl = Duration.ofMillis(c.leaseTtlMs());
      RedisNodeRegistry nodes = new RedisNodeRegistry(redis, ttl);
      boolean claimed;
      try {
        claimed = nodes.claimNodeId(nodeId).await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException("cluster mode: cannot claim node id: " + e.getMessage(), e);
      }
      if (!claimed) {
        throw new IllegalStateException(
            "node id "
                + nodeId
                + " is already in use by another live node of this cluster (key prefix '"
                + c.keyPrefix()
                + "'): give every node its own node.id (PARLEY_NODE_ID)");
      }
      RedisSessionRegistry sessions = new RedisSessionRegistry(redis, ttl);
      RedisBroker.Settings d = RedisBroker.Settings.defaults();
      RedisBroker broker =
          new RedisBroker(
              redis,
              sessions,
              nodeId,
              sink,
              new RedisBroker.Settings(
                  d.maxPendingFrames(),
                  c.brokerQueueFrames(),
                  d.maxFramesPerMessage(),
                  d.reconnectDelay()));
      try {
        broker.start().await(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        broker.close();
        throw new IllegalStateException("cluster mode: broker did not start: " + e.getMessage(), e);
      }
      ClusterNode node =
          new ClusterNode(
              vertx,
              nodeId,
              ClusterConfig.advertisedWsUrl(cfg),
              redis,
              sessions,
              nodes,
              broker,
              devices,
              c.heartbeatMs());
      node.begin();
      return node;
    } catch (RuntimeException e) {
      redis.close();
      throw e;
    }
  }

  private void begin() {
    // the lease and the node entry exist before the first connection arrives
    sessions.heartbeat(nodeId).await();
    nodes.heartbeat(status()).await();
    timer = vertx.setPeriodic(heartbeatMs, t -> heartbeat());
  }

  /** A connection of a device opened on this node: registers its session. Never blocks. */
  public void connected(LocalDevices.Device d) {
    sessions
        .register(d.userId(), d.deviceId(), nodeId, d.connId())
        .onFailure(e -> log.warn("session register failed: {}", e.getMessage()));
  }

  /** A connection of this node closed: removes its session (if still its own). Never blocks. */
  public void disconnected(LocalDevices.Device d) {
    sessions
        .unregister(d.userId(), d.deviceId(), d.connId())
        .onFailure(e -> log.debug("session unregister failed: {}", e.getMessage()));
  }

  private NodeStatus status() {
    return new NodeStatus(nodeId, wsUrl, devices.count(), !draining);
  }

  private void heartbeat() {
    if (closed.get()) {
      return;
    }
    sessions
        .heartbeat(nodeId)
        .onSuccess(
            ok -> {
              if (!ok) {
                // our lease had lapsed (Redis restarted or we stalled): register every device again
                log.warn("session lease of node {} had lapsed: registering local devices", nodeId);
                devices.forEach(this::connected);
              }
            })
        .onFailure(e -> log.debug("session heartbeat failed: {}", e.getMessage()));
    nodes
        .heartbeat(status())
        .onSuccess(
            ok -> {
              if (!ok && !closed.get()) {
                // the claim is gone (Redis lost its data) or held by another node: claim again
                nodes
                    .claimNodeId(nodeId)
                    .onSuccess(
                        claimed -> {
                          if (claimed) {
                            log.warn("node id {} claimed again (Redis had lost it)", nodeId);
                            nodes.heartbeat(status());
                          } else if (!closed.get()) {
                            log.error(
                                "node id {} was taken by another node while this one was"
                                    + " unreachable: stopping",
                                nodeId);
                            onIdLost.run();
                          }
                        });
              }
            })
        .onFailure(e -> log.debug("node heartbeat failed: {}", e.getMessage()));
  }

  /** Runs when another node took this node's id (this node must stop). */
  public void onIdLost(Runnable action) {
    this.onIdLost = action;
  }

  /**
   * Cluster-wide token buckets in Redis (F14 across nodes); while Redis fails or is slow, each
   * decision falls back to a node-local bucket of the same rule (ADR 0005).
   *
   * @param maxLocalKeys keys each local fallback bucket tracks at most
   */
  public RateLimiter.Factory rateLimiters(Clock clock, int maxLocalKeys) {
    return (name, limit) -> {
      RedisRateLimiter l =
          new RedisRateLimiter(
              redis, name, limit, clock, LIMITER_TIMEOUT, LIMITER_RETRY, maxLocalKeys);
      limiters.add(l);
      return l;
    };
  }

  /** Rate-limit decisions made node-locally because Redis failed or was slow. */
  public long rateLimiterFallbacks() {
    long n = 0;
    for (RedisRateLimiter l : limiters) {
      n += l.fallbackCount();
    }
    return n;
  }

  public Broker broker() {
    return broker;
  }

  public RedisBroker redisBroker() {
    return broker;
  }

  /** The cluster's Redis (for the stores built on it, e.g. presence). */
  public ClusterRedis redis() {
    return redis;
  }

  /** The session registry this node registers its connections in. */
  public SessionRegistry sessions() {
    return sessions;
  }

  public int nodeId() {
    return nodeId;
  }

  /** Redis answers: completes with failure naming the reason otherwise. */
  public Future<Void> ping() {
    return redis.ping();
  }

  /** The live nodes, for {@code GET /v1/discovery}. */
  public Future<List<NodeStatus>> liveNodes() {
    return nodes.liveNodes();
  }

  /** Leaves discovery (not ready); connections are drained by the gateway. */
  public void drain() {
    draining = true;
    try {
      nodes.heartbeat(status()).await(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("cannot announce drain: {}", e.getMessage());
    }
  }

  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    if (timer >= 0) {
      vertx.cancelTimer(timer);
    }
    try {
      nodes.deregister(nodeId).await(2, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.debug("cannot deregister node {}: {}", nodeId, e.getMessage());
    }
    broker.close();
    sessions.close();
    nodes.close();
    redis.close();
  }
}
