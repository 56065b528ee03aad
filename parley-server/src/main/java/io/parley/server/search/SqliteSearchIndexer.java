package io.parley.server.search;

import io.parley.server.messaging.MessageWriter.IdleResult;
import io.parley.server.messaging.MessageWriter.IdleWork;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The thread that keeps the SQLite search index current in the background ({@code
 * parley-search-indexer}): a batch of {@link SqliteSearchQueue} whenever one is queued, checked
 * every {@link #PERIOD_NANOS}, batches back to back while full ones come. Nothing waits on it (a
 * search indexes what is still queued first); it only keeps that catch-up short. A failed batch is
 * logged and retried, a period later at first and up to {@link #MAX_BACKOFF_NANOS} later while
 * failures go on.
 */
final class SqliteSearchIndexer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(SqliteSearchIndexer.class);

  /** How often the queue is looked at when the last batch was not full. */
  static final long PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  /** The longest wait between retries after failed batches. */
  static final long MAX_BACKOFF_NANOS = TimeUnit.SECONDS.toNanos(30);

  /** The first batch waits this long after start (a search meanwhile indexes for itself). */
  static final long START_DELAY_NANOS = TimeUnit.SECONDS.toNanos(1);

  private final IdleWork work;
  private final Thread thread;
  private volatile boolean stopping;

  SqliteSearchIndexer(IdleWork work) {
    this.work = work;
    this.thread = Thread.ofPlatform().name("parley-search-indexer").daemon().unstarted(this::run);
  }

  SqliteSearchIndexer start() {
    thread.start();
    return this;
  }

  private void run() {
    // nothing is urgent at start, when the node has better use for a core (cold start to ready)
    LockSupport.parkNanos(this, START_DELAY_NANOS);
    long pause = PERIOD_NANOS;
    while (!stopping) {
      IdleResult r;
      try {
        r = work.runOnce();
        pause = PERIOD_NANOS;
      } catch (RuntimeException e) {
        if (stopping) {
          return;
        }
        // e.g. a full disk: retried, but backing off so the log is not flooded
        pause = Math.min(pause * 2, MAX_BACKOFF_NANOS);
        log.warn("search indexing failed; retrying in {} ms", pause / 1_000_000, e);
        r = IdleResult.NOTHING;
      }
      if (!r.more()) {
        LockSupport.parkNanos(this, pause);
      }
    }
  }

  @Override
  public void close() {
    stopping = true;
    LockSupport.unpark(thread);
    try {
      thread.join(TimeUnit.SECONDS.toMillis(10));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
