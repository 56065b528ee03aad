package io.parley.server.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies the WAL into the SQLite database file on a thread and connection of its own, so that the
 * writer thread does not.
 *
 * <p>By default SQLite checkpoints inside the commit that takes the WAL past 1,000 pages: the
 * committing thread, our single writer, then writes every page changed since the last checkpoint
 * into the database file and fsyncs it, and every send queued behind that commit waits. A PASSIVE
 * checkpoint from another connection runs alongside the writer (WAL lets one writer append while a
 * checkpoint copies the frames before it), so here it runs every {@code periodMs} off the writer.
 *
 * <p>The WAL file is rewound only when a write transaction begins while every frame has been copied
 * back (so the writer begins its transactions DEFERRED, see {@link Database}). A single checkpoint
 * beside a busy writer rarely ends at such a moment: the writer appends while it copies. Until then
 * the log grows to the writer's own checkpoint threshold ({@link #WRITER_SAFETY_NET_PAGES}), and
 * that checkpoint copies whatever is left and fsyncs the database file on the writer, stalling
 * every send behind it: 23–44 ms every 440 ms in {@code direct-random} at 6,000 msg/s with a
 * checkpoint every 100 ms. So once the log holds {@link #NEAR_NET_FRAMES} frames, runs come every
 * {@link #FAST_PERIOD_MS} and repeat their pass while the writer appended during the last one (at
 * most {@link #MAX_PASSES} times): the log is often found fully copied and rewound by the writer's
 * next transaction, and if not, the writer's checkpoint finds little left to copy (2 ms median).
 * Below that the period stays long, because every run copies the pages changed since the last one
 * again, hot pages included: a 10 ms period throughout cost the fan-out-bound {@code group}
 * scenario a third of its throughput. Durability is unchanged: a commit is durable once its frames
 * are fsync'd in the WAL, whoever copies them later.
 */
final class SqliteCheckpointer implements AutoCloseable {
  /** The writer connection's {@code wal_autocheckpoint}: 40 MB of 4 KiB pages. */
  static final int WRITER_SAFETY_NET_PAGES = 10_000;

  /**
   * From this many frames in the log (70 % of the safety net), runs come every {@link
   * #FAST_PERIOD_MS} and repeat their checkpoint until the log is all copied.
   */
  static final int NEAR_NET_FRAMES = WRITER_SAFETY_NET_PAGES * 7 / 10;

  static final long FAST_PERIOD_MS = 10;

  /** Checkpoints in one run at most (a writer faster than the copy must not hold the thread). */
  static final int MAX_PASSES = 16;

  private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);

  private final Connection connection;
  private final ScheduledExecutorService thread;
  private volatile long framesCopied;
  private volatile long lastLogFrames;
  private final LongAdder rewinds = new LongAdder();
  private final long periodMs;

  SqliteCheckpointer(DataSource ds, long periodMs) throws SQLException {
    this.periodMs = periodMs;
    this.connection = ds.getConnection();
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "parley-sqlite-checkpoint");
              t.setDaemon(true);
              return t;
            });
    scheduleNext(periodMs);
  }

  private void scheduleNext(long delayMs) {
    try {
      var unused = thread.schedule(this::runQuietly, delayMs, TimeUnit.MILLISECONDS);
    } catch (java.util.concurrent.RejectedExecutionException e) {
      // closing
    }
  }

  /**
   * One PASSIVE checkpoint; returns the frames of the log it left uncopied (SQLite's second column
   * less its third), or -1 if the WAL was busy.
   */
  long runOnce() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      if (!rs.next() || rs.getInt(1) != 0) {
        return -1;
      }
      long log = rs.getLong(2);
      long copied = rs.getLong(3);
      if (log < lastLogFrames) {
        rewinds.increment();
      }
      lastLogFrames = log;
      framesCopied = Math.max(framesCopied, copied);
      return log - copied;
    }
  }

  /**
   * One scheduled run: a checkpoint, repeated while the writer appends during it once the log is
   * long enough to be worth rewinding. Returns the frames left uncopied, or -1 if the WAL was busy.
   */
  long run() throws SQLException {
    long left = runOnce();
    long log = lastLogFrames;
    // a pass copies the log as it was when the pass began; the writer may have appended since.
    // Once a pass finds no frame added since the one before, every frame is copied back
    for (int pass = 1; pass < MAX_PASSES && left == 0 && log >= NEAR_NET_FRAMES; pass++) {
      left = runOnce();
      if (lastLogFrames == log) {
        break;
      }
      log = lastLogFrames;
    }
    return left;
  }

  /** Times the log was found rewound since the run before (for tests). */
  long rewinds() {
    return rewinds.sum();
  }

  /** The most frames one checkpoint reported copied so far (for tests). */
  long framesCopied() {
    return framesCopied;
  }

  private void runQuietly() {
    try {
      run();
    } catch (SQLException | RuntimeException e) {
      log.warn("WAL checkpoint failed: {}", e.toString());
    }
    scheduleNext(lastLogFrames >= NEAR_NET_FRAMES ? FAST_PERIOD_MS : periodMs);
  }

  @Override
  public void close() {
    thread.shutdown();
    try {
      if (!thread.awaitTermination(10, TimeUnit.SECONDS)) {
        log.warn("WAL checkpoint still running at close");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    try {
      connection.close();
    } catch (SQLException e) {
      log.warn("closing the checkpoint connection: {}", e.toString());
    }
  }
}
