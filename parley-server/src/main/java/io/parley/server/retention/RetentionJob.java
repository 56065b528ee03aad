package io.parley.server.retention;

import io.parley.server.retention.RetentionListener.PurgedMessage;
import io.parley.server.retention.RetentionStore.ConversationRetention;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Deletes expired messages on a schedule. A conversation's retention is the shorter of the
 * deployment's {@code retention.days} and its own {@code retention_days} (0 means "not set" for
 * either; both 0: kept forever). Work is cut into short transactions of at most {@code batchSize}
 * rows, with a pause between them so the group-commit writer gets the (SQLite) writer connection in
 * between: a big purge never stalls sends.
 */
public final class RetentionJob implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RetentionJob.class);
  private static final long DAY_MS = 86_400_000L;
  private static final int CONVERSATION_PAGE = 500;

  private final RetentionStore store;
  private final Clock clock;
  private final int deploymentDays;
  private final int batchSize;
  private final long pauseMs;
  private final List<RetentionListener> listeners = new CopyOnWriteArrayList<>();
  private final AtomicLong purgedTotal = new AtomicLong();
  private ScheduledExecutorService scheduler;

  public RetentionJob(
      RetentionStore store, Clock clock, int deploymentDays, int batchSize, long pauseMs) {
    if (batchSize < 1) {
      throw new IllegalArgumentException("batch size must be positive");
    }
    this.store = store;
    this.clock = clock;
    this.deploymentDays = Math.max(0, deploymentDays);
    this.batchSize = batchSize;
    this.pauseMs = Math.max(0, pauseMs);
  }

  public void addListener(RetentionListener l) {
    listeners.add(l);
  }

  /** Messages deleted since start. */
  public long purgedTotal() {
    return purgedTotal.get();
  }

  /** Runs {@link #runOnce} every {@code intervalMs} on its own daemon thread, first after one. */
  public synchronized void start(long intervalMs) {
    if (scheduler != null) {
      return;
    }
    scheduler =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "parley-retention");
              t.setDaemon(true);
              return t;
            });
    var unused =
        scheduler.scheduleWithFixedDelay(
            this::runSafely, intervalMs, intervalMs, TimeUnit.MILLISECONDS);
  }

  private void runSafely() {
    try {
      long n = runOnce();
      if (n > 0) {
        log.info("retention deleted {} expired messages", n);
      }
    } catch (RuntimeException e) {
      log.warn("retention run failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** The retention in days that applies to a conversation with its own setting {@code own}. */
  public int effectiveDays(int own) {
    if (own <= 0) {
      return deploymentDays;
    }
    return deploymentDays == 0 ? own : Math.min(own, deploymentDays);
  }

  /** One full pass over all conversations; returns the number of messages deleted. */
  public long runOnce() throws InterruptedException {
    long now = clock.millis();
    long deleted = 0;
    long after = Long.MIN_VALUE;
    while (true) {
      List<ConversationRetention> page =
          store.conversations(after, CONVERSATION_PAGE, deploymentDays > 0);
      for (ConversationRetention c : page) {
        int days = effectiveDays(c.days());
        if (days > 0) {
          deleted += purgeConversation(c.conversationId(), now - days * DAY_MS);
        }
      }
      if (page.size() < CONVERSATION_PAGE) {
        break;
      }
      after = page.getLast().conversationId();
    }
    for (RetentionListener l : listeners) {
      try {
        l.cycleFinished(now);
      } catch (RuntimeException e) {
        log.warn("retention listener failed", e);
      }
    }
    return deleted;
  }

  private long purgeConversation(long conversationId, long cutoff) throws InterruptedException {
    long deleted = 0;
    while (true) {
      List<PurgedMessage> batch = store.purgeOldest(conversationId, cutoff, batchSize);
      deleted += batch.size();
      purgedTotal.addAndGet(batch.size());
      if (!batch.isEmpty()) {
        for (RetentionListener l : listeners) {
          try {
            l.purged(conversationId, batch);
          } catch (RuntimeException e) {
            log.warn("retention listener failed", e);
          }
        }
      }
      if (batch.size() < batchSize) {
        return deleted;
      }
      if (pauseMs > 0) {
        // yield the writer connection to the group commit between batches
        TimeUnit.MILLISECONDS.sleep(pauseMs);
      }
    }
  }

  @Override
  public synchronized void close() {
    if (scheduler != null) {
      scheduler.shutdownNow();
      try {
        scheduler.awaitTermination(5, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
      scheduler = null;
    }
  }
}
