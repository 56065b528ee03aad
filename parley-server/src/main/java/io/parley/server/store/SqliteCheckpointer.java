package io.parley.server.store;

import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
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
 * back. A checkpoint running beside a busy writer rarely ends at such a moment, so the writer keeps
 * SQLite's own checkpoint with a higher threshold ({@link #WRITER_SAFETY_NET_PAGES}): when the WAL
 * reaches it, the writer's checkpoint finds almost everything already copied, and the next
 * transaction rewinds the file. Durability is unchanged: a commit is durable once its frames are
 * fsync'd in the WAL, whoever copies them later.
 */
final class SqliteCheckpointer implements AutoCloseable {
  /** The writer connection's {@code wal_autocheckpoint}: 40 MB of 4 KiB pages. */
  static final int WRITER_SAFETY_NET_PAGES = 10_000;

  private static final Logger log = LoggerFactory.getLogger(SqliteCheckpointer.class);

  private final Connection connection;
  private final ScheduledExecutorService thread;
  private volatile long framesCopied;

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
   * One PASSIVE checkpoint; returns the frames in the WAL it found already copied or copied
   * (SQLite's third column), or -1 if the WAL was busy.
   */
  long runOnce() throws SQLException {
    try (Statement st = connection.createStatement();
        ResultSet rs = st.executeQuery("PRAGMA wal_checkpoint(PASSIVE)")) {
      if (!rs.next() || rs.getInt(1) != 0) {
        return -1;
      }
      long copied = rs.getLong(3);
      framesCopied = Math.max(framesCopied, copied);
      return copied;
    }
  }

  /** The most frames one checkpoint reported copied so far (for tests). */
  long framesCopied() {
    return framesCopied;
  }

  private void runQuietly() {
    try {
      runOnce();
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
