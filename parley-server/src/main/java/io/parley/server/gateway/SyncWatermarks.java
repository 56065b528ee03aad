package io.parley.server.gateway;

import io.parley.server.store.SyncQueries;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Devices' receipt watermarks ({@code devices.receipts_synced_at}), written in batches: every
 * reconnect moves its device's watermark once it is synced, and a write transaction each (one fsync
 * on SQLite, all behind the single writer) would serialise a reconnect storm. Marks are merged per
 * device (the latest wins) and written by one flush at a time on {@code executor}, all that are
 * pending in one transaction; marks arriving during a write go into the next.
 *
 * <p>A mark not written yet (or lost with the node) only means the device gets those receipts again
 * on its next sync, never misses one: a sync of a device with a pending mark writes it first
 * ({@link #flush(long)}), so its receipt query sees it.
 */
final class SyncWatermarks {
  private static final Logger log = LoggerFactory.getLogger(SyncWatermarks.class);

  private final SyncQueries queries;
  private final Executor executor;
  private final ConcurrentHashMap<Long, Long> pending = new ConcurrentHashMap<>();
  private final AtomicBoolean flushing = new AtomicBoolean();

  SyncWatermarks(SyncQueries queries, Executor executor) {
    this.queries = queries;
    this.executor = executor;
  }

  /** The device received the receipt positions as of {@code at} (epoch ms); written soon. */
  void mark(long deviceId, long at) {
    pending.merge(deviceId, at, Math::max);
    schedule();
  }

  /** Writes the device's pending mark now, if it has one (before its receipts are read). */
  void flush(long deviceId) {
    Long at = pending.remove(deviceId);
    if (at != null) {
      queries.markSynced(Map.of(deviceId, at));
    }
  }

  /** Writes every pending mark now (on stop). */
  void flushAll() {
    write();
  }

  private void schedule() {
    if (!pending.isEmpty() && flushing.compareAndSet(false, true)) {
      try {
        executor.execute(this::run);
      } catch (RejectedExecutionException e) {
        flushing.set(false); // stopping: flushAll writes what is left
      }
    }
  }

  private void run() {
    boolean ok = false;
    try {
      write();
      ok = true;
    } catch (RuntimeException e) {
      log.warn("receipt watermarks not written (sent again on the next sync): {}", e.toString());
    } finally {
      flushing.set(false);
    }
    if (ok) {
      schedule(); // marks that came in after the last drain; after a failure, the next mark
    }
  }

  private void write() {
    while (!pending.isEmpty()) {
      Map<Long, Long> batch = new HashMap<>();
      for (Long device : pending.keySet()) {
        Long at = pending.remove(device);
        if (at != null) {
          batch.put(device, at);
        }
      }
      queries.markSynced(batch);
    }
  }
}
