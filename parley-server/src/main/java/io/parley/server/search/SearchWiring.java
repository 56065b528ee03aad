package io.parley.server.search;

import io.parley.server.api.Authenticator;
import io.parley.server.messaging.MessageWriter;
import io.parley.server.store.Database;
import io.parley.server.store.Stores;
import io.vertx.ext.web.Router;

/** Builds search on the node's store (the index of its dialect) and mounts its route. */
public final class SearchWiring {
  private final SearchService service;
  private final SearchIndex index;
  private final Authenticator auth;

  /** Background indexing waits this long at most while {@code busy} says so. */
  static final long INDEXING_MAX_WAIT_NANOS = java.util.concurrent.TimeUnit.SECONDS.toNanos(30);

  /**
   * On SQLite, a thread of the index moves queued messages into it, except while {@code busy} (a
   * reconnect wave), for up to {@link #INDEXING_MAX_WAIT_NANOS}; {@code writer} drops the queue
   * rows it has read between its batches, in bounded pieces, holding off likewise.
   */
  public SearchWiring(
      Stores stores,
      Authenticator auth,
      MessageWriter writer,
      java.util.function.BooleanSupplier busy) {
    this.index = index(stores.database());
    if (index instanceof SqliteSearchIndex sqlite) {
      sqlite.startBackgroundIndexing(busy, INDEXING_MAX_WAIT_NANOS);
      writer.setIdleWork(
          new io.parley.server.messaging.YieldingIdleWork(
              sqlite.queueTruncation(), busy, INDEXING_MAX_WAIT_NANOS, System::nanoTime));
    }
    this.service = new SearchService(index, stores.conversations());
    this.auth = auth;
  }

  /**
   * Registers {@code parley_search_index_lag} (SQLite: queued messages and deletions the index has
   * not read yet; PostgreSQL indexes in the storing transaction, so it has none).
   */
  public void registerMetrics(io.parley.server.ops.Metrics metrics) {
    if (index instanceof SqliteSearchIndex sqlite) {
      metrics.gauge(
          "parley_search_index_lag",
          "stored messages and deletions the search index has not applied yet",
          sqlite::lag);
    }
  }

  /** The search index of {@code db}'s dialect. */
  public static SearchIndex index(Database db) {
    return switch (db.dialect()) {
      case SQLITE -> new SqliteSearchIndex(db);
      case POSTGRES -> new PostgresSearchIndex(db);
    };
  }

  public void mount(Router router) {
    new SearchRoutes(service, auth).mount(router);
  }
}
