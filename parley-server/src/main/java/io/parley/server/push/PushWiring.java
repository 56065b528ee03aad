package io.parley.server.push;

import io.parley.server.api.Authenticator;
import io.parley.server.cluster.SessionRegistry;
import io.parley.server.config.ParleyConfig;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.gateway.ConnectionRegistry;
import io.parley.server.ops.Metrics;
import io.parley.server.outbox.Outbox;
import io.parley.server.store.JdbcMessageStore;
import io.parley.server.store.JdbcOutbox;
import io.parley.server.store.JdbcPushTokenStore;
import io.parley.server.store.Stores;
import io.vertx.core.Vertx;
import io.vertx.ext.web.Router;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Wiring of push notifications (F12): the outbox hook in the message commit, the providers that are
 * configured, the dispatcher and the REST routes.
 */
public final class PushWiring implements AutoCloseable {
  private final PushTokenStore tokens;
  private final Outbox outbox;
  private final PushDispatcher dispatcher; // null when push is disabled

  private PushWiring(PushTokenStore tokens, Outbox outbox, PushDispatcher dispatcher) {
    this.tokens = tokens;
    this.outbox = outbox;
    this.dispatcher = dispatcher;
  }

  public static PushWiring build(
      ParleyConfig.Push cfg,
      Vertx vertx,
      Clock clock,
      Stores stores,
      Memberships memberships,
      ConnectionRegistry connections,
      SessionRegistry sessions,
      Metrics metrics) {
    PushTokenStore tokens = JdbcPushTokenStore.of(stores.database());
    Outbox outbox = JdbcOutbox.of(stores.database());
    if (!cfg.enabled()) {
      return new PushWiring(tokens, outbox, null);
    }
    DevicePresence local = new LocalDevicePresence(connections);
    // cluster mode: a device connected on another node is online too (null: one node)
    DevicePresence presence =
        sessions == null
            ? local
            : new ClusterDevicePresence(local, sessions, Duration.ofMillis(500));
    if (stores.messages() instanceof JdbcMessageStore jdbc) {
      jdbc.setPushHook(
          new PushJobs(
              memberships, presence, tokens, outbox, cfg.collapseDelayMs(), cfg.previewChars()));
    }
    PushDispatcher dispatcher =
        new PushDispatcher(
            outbox,
            tokens,
            stores.messages(),
            stores.users(),
            presence,
            senders(cfg, vertx, clock),
            new Backoff(cfg.backoffBaseMs(), cfg.backoffMaxMs(), new SecureRandom()),
            cfg,
            clock,
            metrics);
    dispatcher.start();
    return new PushWiring(tokens, outbox, dispatcher);
  }

  /** The providers with a configuration. */
  static List<PushSender> senders(ParleyConfig.Push cfg, Vertx vertx, Clock clock) {
    Duration timeout = Duration.ofMillis(cfg.sendTimeoutMs());
    List<PushSender> out = new ArrayList<>();
    if (!cfg.fcm().serviceAccountFile().isBlank()) {
      out.add(
          new FcmPushSender(
              cfg.fcm().projectId(),
              Path.of(cfg.fcm().serviceAccountFile()),
              cfg.fcm().baseUrl(),
              timeout,
              clock));
    }
    if (!cfg.apns().privateKeyFile().isBlank()) {
      out.add(
          new ApnsPushSender(
              vertx,
              cfg.apns().teamId(),
              cfg.apns().keyId(),
              Path.of(cfg.apns().privateKeyFile()),
              cfg.apns().topic(),
              cfg.apns().baseUrl(),
              timeout,
              clock));
    }
    if (!cfg.webhook().url().isBlank()) {
      out.add(new WebhookPushSender(cfg.webhook().url(), cfg.webhook().secret(), timeout, clock));
    }
    return out;
  }

  public void mount(Router router, Authenticator auth, Clock clock) {
    new PushRoutes(tokens, auth, clock).mount(router);
  }

  public PushTokenStore tokens() {
    return tokens;
  }

  public Outbox outbox() {
    return outbox;
  }

  /** The dispatcher, or null when push is disabled. */
  public PushDispatcher dispatcher() {
    return dispatcher;
  }

  @Override
  public void close() {
    if (dispatcher != null) {
      dispatcher.close();
    }
  }
}
