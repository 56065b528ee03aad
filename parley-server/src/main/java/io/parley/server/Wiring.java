package io.parley.server;

import io.parley.server.abuse.AbuseWiring;
import io.parley.server.auth.AuthRoutes;
import io.parley.server.auth.AuthService;
import io.parley.server.auth.DeviceRoutes;
import io.parley.server.auth.PasswordHasher;
import io.parley.server.auth.TokenService;
import io.parley.server.cluster.ClusterNode;
import io.parley.server.cluster.DiscoveryRoutes;
import io.parley.server.cluster.LocalDevices;
import io.parley.server.cluster.RedisBroker;
import io.parley.server.config.ParleyConfig;
import io.parley.server.conversation.ConversationRoutes;
import io.parley.server.conversation.ConversationService;
import io.parley.server.conversation.GroupService;
import io.parley.server.conversation.Visibility;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.InMemoryBroker;
import io.parley.server.gateway.Connection;
import io.parley.server.gateway.ConnectionRegistry;
import io.parley.server.gateway.FrameHandler;
import io.parley.server.gateway.Gateway;
import io.parley.server.gateway.SyncService;
import io.parley.server.http.HttpHygiene;
import io.parley.server.messaging.Bodies;
import io.parley.server.messaging.MessageWriter;
import io.parley.server.messaging.MessagingService;
import io.parley.server.messaging.ReceiptService;
import io.parley.server.messaging.Snowflake;
import io.parley.server.ops.ApiDocsRoutes;
import io.parley.server.ops.Metrics;
import io.parley.server.presence.PresenceRoutes;
import io.parley.server.presence.PresenceService;
import io.parley.server.store.Stores;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Hand wiring of every feature, one small method each. Owns the components' lifetimes; {@link
 * #close} stops them in dependency order.
 */
public final class Wiring implements AutoCloseable {
  private final Stores stores;
  private final Metrics metrics;
  private final ExecutorService workers;
  private final MessageWriter writer;
  private final ReceiptService receipts;
  private final Broker broker;
  private final ClusterNode cluster;
  private final Gateway gateway;
  private final ConnectionRegistry connections;
  private final Mounter mounter;
  private final io.parley.server.push.PushWiring push;
  private io.parley.server.media.MediaWiring media;
  private SyncService sync;
  private final io.parley.server.retention.RetentionWiring retention;
  private final io.parley.server.ops.OpsWiring ops;
  private PresenceWiring presence;

  private Wiring(
      Stores stores,
      Metrics metrics,
      ExecutorService workers,
      MessageWriter writer,
      ReceiptService receipts,
      Broker broker,
      ClusterNode cluster,
      Gateway gateway,
      ConnectionRegistry connections,
      Mounter mounter,
      io.parley.server.push.PushWiring push,
      io.parley.server.retention.RetentionWiring retention,
      io.parley.server.ops.OpsWiring ops) {
    this.stores = stores;
    this.metrics = metrics;
    this.workers = workers;
    this.writer = writer;
    this.receipts = receipts;
    this.broker = broker;
    this.cluster = cluster;
    this.gateway = gateway;
    this.connections = connections;
    this.mounter = mounter;
    this.push = push;
    this.retention = retention;
    this.ops = ops;
  }

  /** Builds on a store being opened (and migrated) concurrently with the rest of start-up. */
  static Wiring build(
      ParleyConfig cfg,
      Vertx vertx,
      Clock clock,
      CompletableFuture<Stores> opening,
      io.parley.server.ops.StartupPhases t) {
    Stores stores;
    try {
      stores = t.time("store-wait", opening::join);
    } catch (java.util.concurrent.CompletionException e) {
      throw e.getCause() instanceof RuntimeException re ? re : e;
    }
    try {
      return t.time("wiring", () -> build(cfg, vertx, clock, stores));
    } catch (RuntimeException e) {
      stores.close();
      throw e;
    }
  }

  private static Wiring build(ParleyConfig cfg, Vertx vertx, Clock clock, Stores stores) {
    Snowflake ids = new Snowflake(cfg.node().id(), clock);
    Metrics metrics = new Metrics();
    // operations (F16): timed message store, metered broker, request ids, /metrics access, backup
    io.parley.server.ops.OpsWiring ops =
        new io.parley.server.ops.OpsWiring(cfg, metrics, stores, vertx);
    // the push hook is installed on the JDBC message store itself, not on its metered wrapper
    Stores unmetered = stores;
    stores = ops.metered(stores);
    ExecutorService workers = workers();

    // auth
    PasswordHasher hasher = new PasswordHasher(cfg.auth());
    TokenService tokens =
        new TokenService(cfg.auth(), Path.of(cfg.store().dataDir()), stores.users(), clock);
    AuthService auth = new AuthService(cfg.auth(), stores.users(), hasher, tokens, ids, clock);

    // delivery
    ConnectionRegistry connections = new ConnectionRegistry();
    // cluster mode (F18): a RedisBroker, sessions and discovery in Redis; else one node in memory
    ClusterNode cluster =
        cfg.cluster() != null && cfg.cluster().enabled()
            ? ClusterNode.start(cfg, vertx, connections, localDevices(connections))
            : null;
    if (cluster != null) {
      connections.setListener(
          new ConnectionRegistry.Listener() {
            @Override
            public void added(Connection c) {
              cluster.connected(device(c));
            }

            @Override
            public void removed(Connection c) {
              cluster.disconnected(device(c));
            }
          });
    }
    Broker broker =
        ops.metered(cluster != null ? cluster.broker() : new InMemoryBroker(connections));
    // revocation closes the device's sockets on every node: applied here at once (this node stops
    // taking the device's frames before the call returns) and by every node's event listener
    tokens.setRevocationListener(
        (userId, deviceId) -> {
          connections.revoked().deviceRevoked(userId, deviceId);
          broker.publishEvent(ClusterEvent.deviceRevoked(userId, deviceId));
        });

    // messaging
    Memberships memberships = new Memberships(stores.conversations(), 500_000);
    broker.onEvent(
        e -> {
          switch (e.kind()) {
            case MEMBERSHIP_CHANGED -> memberships.invalidate(e.subjectId());
            case FIRST_MESSAGE -> memberships.firstMessage(e.subjectId());
            case DEVICE_REVOKED -> connections.revoked().deviceRevoked(e.subjectId(), e.detailId());
            case CACHES_STALE -> memberships.invalidateAll();
            default -> {}
          }
        });
    MessageWriter writer =
        new MessageWriter(
            stores.messages(),
            cfg.messaging().writeBatchMax(),
            cfg.messaging().writeQueueCapacity());
    writer.setCommitWindow(TimeUnit.MICROSECONDS.toNanos(cfg.messaging().commitWindowMicros()));
    writer.setListener(metrics::batchCommitted);
    // acks and fan-out of each run of commits: one task per event loop, off the completer thread
    writer.setCompletionScope(connections::batch);
    MessagingService messaging =
        new MessagingService(
            writer,
            stores.conversations(),
            stores.users(),
            memberships,
            broker,
            new Bodies(cfg.messaging().maxTextChars()),
            ids,
            clock);
    ReceiptService receipts =
        new ReceiptService(writer, stores.conversations(), memberships, broker, 20);

    // conversations
    Visibility visibility = new Visibility(stores.conversations(), stores.messages());
    ConversationService conversations =
        new ConversationService(
            stores.conversations(),
            stores.messages(),
            stores.users(),
            messaging,
            visibility,
            cfg.messaging().historyPageMax());
    GroupService groups =
        new GroupService(
            stores.conversations(),
            stores.users(),
            memberships,
            messaging,
            broker,
            cfg.groups(),
            ids,
            clock);

    // rate limits and abuse controls (F14)
    // (cluster mode: the token buckets are shared in Redis, falling back per node; ADR 0005)
    AbuseWiring abuse =
        AbuseWiring.build(
            cfg.limits(),
            clock,
            cluster != null
                ? cluster.rateLimiters(clock, cfg.limits().maxTrackedKeys())
                : AbuseWiring.inMemory(cfg.limits(), clock));

    // presence (cluster-wide: store + session registry, notifications through the broker)
    PresenceWiring presenceWiring =
        PresenceWiring.build(
            cfg, vertx, clock, cluster, broker, connections, memberships, stores.users(), workers);
    PresenceService presence = presenceWiring.service();
    // privacy and profile changes reach every node's caches as broker events
    auth.setPrivacyListener(
        (userId, privacy) -> broker.publishEvent(ClusterEvent.privacyChanged(userId)));
    auth.setProfileListener(userId -> broker.publishEvent(ClusterEvent.profileChanged(userId)));
    SyncService sync =
        new SyncService(
            new io.parley.server.store.SyncQueries(stores.database()),
            visibility,
            cfg.websocket().outboundQueueBytes() / 2,
            workers);
    FrameHandler frames =
        new FrameHandler(
            messaging,
            receipts,
            presence,
            memberships,
            broker,
            workers,
            cfg.websocket().maxFrameBytes(),
            clock,
            connections.revoked(),
            abuse.messages());
    frames.setMetrics(metrics);
    sync.setMetrics(metrics);
    Gateway gateway =
        new Gateway(
            vertx,
            tokens,
            connections,
            sync,
            presence,
            frames,
            workers,
            cfg.websocket(),
            Integer.toString(cfg.node().id()),
            clock,
            abuse.admission());

    if (cluster != null) {
      RedisBroker rb = cluster.redisBroker();
      metrics.gauge("parley_broker_sent_frames", "frames published to other nodes", rb::sentFrames);
      metrics.gauge(
          "parley_broker_received_frames", "frames received from other nodes", rb::receivedFrames);
      metrics.gauge(
          "parley_broker_dropped_frames", "frames dropped (queue full)", rb::droppedFrames);
      metrics.gauge("parley_broker_dropped_events", "events dropped", rb::droppedEvents);
      metrics.gauge(
          "parley_broker_queued_frames", "frames waiting in the broker", rb::queuedFrames);
      metrics.counterFn(
          "parley_rate_limit_local_decisions",
          "rate-limit decisions made per node because Redis failed or was slow",
          cluster::rateLimiterFallbacks);
    }
    io.parley.server.gateway.GapFiller gapFiller =
        new io.parley.server.gateway.GapFiller(visibility, stores.conversations(), workers, 60);
    gateway.setGapFiller(gapFiller);
    metrics.counterFn(
        "parley_live_gap_fills",
        "ranges of live message frames a device missed, read from the store",
        gapFiller::gapFills);
    if (cluster != null) {
      // a lost last message reveals no gap: check live positions against the store every second
      vertx.setPeriodic(
          1000,
          t -> {
            try {
              workers.execute(() -> gapFiller.checkTails(connections));
            } catch (java.util.concurrent.RejectedExecutionException e) {
              // shutting down
            }
          });
      metrics.counterFn(
          "parley_live_tail_fills",
          "lost last messages of a conversation recovered from the store by the tail check",
          gapFiller::tailFills);
    }
    metrics.gauge("parley_connections", "open WebSocket connections", connections::size);
    metrics.gauge(
        "parley_write_queue", "sends waiting for the group-commit writer", writer::queued);

    // media (F11)
    io.parley.server.media.MediaWiring media =
        io.parley.server.media.MediaWiring.build(
            cfg,
            stores.database(),
            tokens,
            messaging,
            TokenService.loadSecret(cfg.auth().jwtSecret(), Path.of(cfg.store().dataDir())),
            ids,
            clock);

    // push notifications (F12) and end-to-end key directory (F13)
    io.parley.server.push.PushWiring push =
        io.parley.server.push.PushWiring.build(
            cfg.push(),
            vertx,
            clock,
            unmetered,
            memberships,
            connections,
            cluster == null ? null : cluster.sessions(),
            metrics);
    io.parley.server.keys.KeysWiring keys =
        io.parley.server.keys.KeysWiring.build(cfg.keys(), clock, stores, connections);

    // search, retention, operations (F10/F15/F16)
    io.parley.server.search.SearchWiring search =
        new io.parley.server.search.SearchWiring(stores, tokens, writer, sync::inConnectWave);
    search.registerMetrics(metrics);
    io.parley.server.retention.RetentionWiring retention =
        new io.parley.server.retention.RetentionWiring(
            cfg.retention(), stores, messaging, metrics, tokens, clock);
    retention.job().addListener(media.retention()); // media cleanup after purges (F15)

    // fallback transport (F19): SSE stream and the REST stand-ins for client frames
    io.parley.server.sse.SseRoutes sse =
        new io.parley.server.sse.SseRoutes(
            gateway,
            connections,
            tokens,
            stores.messages(),
            memberships,
            receipts,
            presence,
            broker,
            clock);

    if (cluster != null) {
      ops.withReadinessCheck("redis", () -> cluster.ping().timeout(2, TimeUnit.SECONDS));
    }
    Mounter mounter =
        router -> {
          ops.mountFirst(router);
          HttpHygiene.mount(router, cfg.server());
          abuse.mount(router);
          sse.mount(router); // before the /v1/conversations* auth filter
          push.mount(router, tokens, clock);
          keys.mount(router, tokens);
          media.mount(router);
          new AuthRoutes(auth, tokens).mount(router);
          new DeviceRoutes(auth, tokens).mount(router);
          retention
              .extend(
                  new ConversationRoutes(
                      conversations, groups, messaging, receipts, tokens, abuse.messages()))
              .mount(router);
          new PresenceRoutes(presence, tokens).mount(router);
          ops.mount(router);
          new DiscoveryRoutes(cfg, cluster, connections::size, tokens).mount(router);
          new ApiDocsRoutes().mount(router);
          new io.parley.server.web.WebRoutes().mount(router);
          // search, retention, operations (F10/F15/F16)
          search.mount(router);
          retention.mount(router);
        };
    Wiring w =
        new Wiring(
            stores,
            metrics,
            workers,
            writer,
            receipts,
            broker,
            cluster,
            gateway,
            connections,
            mounter,
            push,
            retention,
            ops);
    w.media = media;
    w.presence = presenceWiring;
    w.sync = sync;
    return w;
  }

  /** This node's connections as the cluster sees them. */
  private static LocalDevices localDevices(ConnectionRegistry connections) {
    return new LocalDevices() {
      @Override
      public int count() {
        return connections.size();
      }

      @Override
      public void forEach(java.util.function.Consumer<LocalDevices.Device> action) {
        connections.forEach(c -> action.accept(device(c)));
      }
    };
  }

  private static LocalDevices.Device device(Connection c) {
    return new LocalDevices.Device(
        c.userId(), c.deviceId(), Integer.toHexString(System.identityHashCode(c)));
  }

  private static ExecutorService workers() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            32,
            32,
            60,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(200_000),
            r -> {
              Thread t = new Thread(r, "parley-worker-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  void mount(Router router) {
    mounter.mount(router);
  }

  public Gateway gateway() {
    return gateway;
  }

  public MessageWriter writer() {
    return writer;
  }

  public ReceiptService receipts() {
    return receipts;
  }

  public Stores stores() {
    return stores;
  }

  public Metrics metrics() {
    return metrics;
  }

  public ConnectionRegistry connections() {
    return connections;
  }

  public io.parley.server.push.PushWiring push() {
    return push;
  }

  /** The media feature (F11). */
  public io.parley.server.media.MediaWiring media() {
    return media;
  }

  public io.parley.server.retention.RetentionWiring retention() {
    return retention;
  }

  /** This node's cluster membership, or null on a single node. */
  public ClusterNode cluster() {
    return cluster;
  }

  @Override
  public void close() {
    if (presence != null) {
      presence.close();
    }
    retention.close();
    ops.close();
    writer.close();
    push.close();
    receipts.close();
    if (cluster != null) {
      cluster.close();
    } else {
      broker.close();
    }
    if (media != null) {
      media.close();
    }
    if (sync != null) {
      try {
        sync.close(); // receipt watermarks not written yet
      } catch (RuntimeException e) {
        org.slf4j.LoggerFactory.getLogger(Wiring.class)
            .warn("receipt watermarks: {}", e.toString());
      }
    }
    workers.shutdown();
    try {
      workers.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    stores.close();
  }

  @FunctionalInterface
  private interface Mounter {
    void mount(Router router);
  }
}
