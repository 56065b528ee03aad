package io.parley.server.retention;

import io.parley.server.api.Authenticator;
import io.parley.server.config.ParleyConfig;
import io.parley.server.conversation.ConversationRoutes;
import io.parley.server.messaging.MessagingService;
import io.parley.server.ops.Metrics;
import io.parley.server.store.Stores;
import io.vertx.ext.web.Router;
import java.time.Clock;

/** Builds retention (store, scheduled job, settings API) and owns the job's thread. */
public final class RetentionWiring implements AutoCloseable {
  private final RetentionJob job;
  private final RetentionRoutes routes;

  public RetentionWiring(
      ParleyConfig.Retention cfg,
      Stores stores,
      MessagingService messaging,
      Metrics metrics,
      Authenticator auth,
      Clock clock) {
    RetentionStore store = new RetentionStore(stores.database());
    job = new RetentionJob(store, clock, cfg.days(), cfg.batchSize(), cfg.batchPauseMs());
    routes =
        new RetentionRoutes(
            new RetentionService(store, stores.conversations(), messaging, job), auth);
    metrics.counterFn(
        "parley_retention_purged", "messages deleted by the retention job", job::purgedTotal);
    if (cfg.intervalMs() > 0) {
      job.start(cfg.intervalMs());
    }
  }

  public RetentionJob job() {
    return job;
  }

  /** Adds the {@code retention_days} field to {@code PATCH /v1/groups/{id}}. */
  public ConversationRoutes extend(ConversationRoutes conversations) {
    return conversations.withPatchField(routes.groupPatchField());
  }

  public void mount(Router router) {
    routes.mount(router);
  }

  @Override
  public void close() {
    job.close();
  }
}
