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
 * back. A single checkpoint beside a busy writer rarely ends at such a moment: the writer appends
 * while it copies. So once the log holds {@link #CONVERGE_FROM_FRAMES} frames, a run repeats the
 * checkpoint at once while frames are left (at most {@link #MAX_PASSES} times): each pass copies
 * only what the writer appended during the one before, so the passes shorten until one ends with
 * the log fully copied, and the writer's next transaction rewinds it. Without this the log only
 * rewound when it reached the writer's own checkpoint threshold, and that checkpoint (copying what
 * was left and fsyncing the database file) stalled every send behind it: 23–44 ms every 440 ms in
 * {@code direct-random} at 6,000 msg/s. The writer keeps that threshold ({@link
 * #WRITER_SAFETY_NET_PAGES}) as a safety net. Durability is unchanged: a commit is durable once its
 * frames are fsync'd in the WAL, whoever copies them later.
 */
final class SqliteCheckpointer implements AutoCloseable {
  /** The writer connection's {@code wal_autocheckpoint}: 40 MB of 4 KiB pages. */
  static final int WRITER_SAFETY_NET_PAGES = 10_000;

  /** From this many frames in the log, a run repeats its checkpoint until the log is all copied. */
  static final int CONVERGE_FROM_FRAMES = 1_000;

  /** Checkpoints in one run at most (a writer faster than the copy must not hold the thread). */
  static final int MAX_PASSES = 16;

  private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);

  private final Connection connection;
  private final ScheduledExecutorService thread;
  private volatile long framesCopied;
  private volatile long lastLogFrames;
  private final LongAdder rewinds = new LongAdder();

  SqliteCheckpointer(DataSource ds, long periodMs) throws SQLException {
    this.connection = ds.getConnection();
    this.thread =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "parley-sqlite-checkpoint");
              t.setDaemon(true);
              return t;
            });
    var unused =
        thread.scheduleWithFixedDelay(this::runQuietly, periodMs, periodMs, TimeUnit.MILLISECONDS);
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
    for (int pass = 1; pass < MAX_PASSES && left == 0 && log >= CONVERGE_FROM_FRAMES; pass++) {
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
