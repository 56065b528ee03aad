package io.parley.server.search;

import io.parley.server.store.Database;
import io.parley.server.store.Database.SqlWork;
import io.parley.server.store.StoreException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The search index's own SQLite database, {@code <name>-search.db} beside the message database
 * {@code <name>.db}, with the message database attached to every connection as {@code msg}: the
 * index is written under this file's write lock only, never the message database's.
 *
 * <p>It holds the FTS5 table {@code message_fts} (rowid = message id; tokenizer {@code unicode61
 * remove_diacritics 2}; prefix indexes for the 2- and 3-letter prefixes typed first) and {@code
 * search_state}, how far the index has read the message database's queue ({@link
 * SqliteSearchQueue}), and {@code search_rebuild} while a rebuild is under way. Everything in it
 * can be rebuilt from the message database, and is when the file is missing. WAL and {@code
 * synchronous=FULL} like the message database, because the message database drops queue rows once
 * this file says they are indexed.
 *
 * <p>Connections open on first use (nothing at node start): one writer, used under a lock, with
 * deferred transactions (an immediate one would also lock the attached message database), and up to
 * {@link #READERS} readers for searches, which read both files in one statement (unqualified names
 * that are not in this file resolve to {@code msg}).
 */
final class SqliteSearchFile implements AutoCloseable {
  static final int READERS = 4;
  private static final int BUSY_TIMEOUT_MS = 10_000;

  static final String FTS_DDL =
      "CREATE VIRTUAL TABLE message_fts USING fts5(text, conv, conversation_id UNINDEXED,"
          + " seq UNINDEXED, tokenize = 'unicode61 remove_diacritics 2', prefix = '2 3')";

  private final Path file;
  private final Path messages;
  private final SQLiteDataSource ds;
  private final ReentrantLock writeLock = new ReentrantLock();
  private Connection writer; // guarded by writeLock
  private final BlockingQueue<Connection> idleReaders = new ArrayBlockingQueue<>(READERS);
  private final java.util.concurrent.Semaphore readerPermits =
      new java.util.concurrent.Semaphore(READERS);
  private volatile boolean closed;

  SqliteSearchFile(Database db) {
    this.messages = db.sqliteFile().toAbsolutePath();
    this.file = db.sqliteSibling(nameFor(messages.getFileName().toString())).toAbsolutePath();
    SQLiteConfig sc = new SQLiteConfig();
    sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sc.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    sc.setBusyTimeout(BUSY_TIMEOUT_MS);
    sc.setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
    sc.setGetGeneratedKeys(false);
    this.ds = new SQLiteDataSource(sc);
    ds.setUrl("jdbc:sqlite:" + file);
  }

  /**
   * {@code parley.db} → {@code parley-search.db}; a name without {@code .db} gets {@code -search}.
   */
  static String nameFor(String messagesFile) {
    return messagesFile.endsWith(".db")
        ? messagesFile.substring(0, messagesFile.length() - 3) + "-search.db"
        : messagesFile + "-search";
  }

  Path path() {
    return file;
  }

  /** Runs {@code work} in one transaction on the writer connection and commits it. */
  <T> T write(SqlWork<T> work) {
    writeLock.lock();
    try {
      if (writer == null) {
        writer = open();
        try (Statement st = writer.createStatement()) {
          st.executeUpdate(
              "CREATE TABLE IF NOT EXISTS search_state (id INTEGER PRIMARY KEY CHECK (id = 1),"
                  + " indexed INTEGER NOT NULL)");
          // a rebuild: the last message key indexed, the queue id it started at and, once its
          // scan is done, the queue id up to which batches may repeat what the scan indexed
          st.executeUpdate(
              "CREATE TABLE IF NOT EXISTS search_rebuild (id INTEGER PRIMARY KEY CHECK (id = 1),"
                  + " after_conversation INTEGER NOT NULL, after_seq INTEGER NOT NULL,"
                  + " from_queue INTEGER NOT NULL, until_queue INTEGER)");
        }
        writer.setAutoCommit(false);
      }
      return Database.inTransaction(writer, work);
    } catch (SQLException e) {
      throw new StoreException("cannot open the search index: " + e.getMessage(), e);
    } finally {
      writeLock.unlock();
    }
  }

  /** Runs read-only {@code work} on a reader connection (auto-commit). */
  <T> T read(SqlWork<T> work) {
    try {
      readerPermits.acquire();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new StoreException("interrupted waiting for a search connection", e);
    }
    Connection c = idleReaders.poll();
    try {
      if (c == null) {
        c = open();
        try (Statement st = c.createStatement()) {
          st.execute("PRAGMA query_only = true");
        }
      }
      T result = work.apply(c);
      if (closed || !idleReaders.offer(c)) {
        Database.closeQuietly(c);
      }
      c = null;
      return result;
    } catch (SQLException e) {
      throw new StoreException("search failed: " + e.getMessage(), e);
    } finally {
      Database.closeQuietly(c); // only after a failure: the connection may be in any state
      readerPermits.release();
    }
  }

  private Connection open() throws SQLException {
    if (closed) {
      throw new StoreException("search index closed", null);
    }
    Connection c = ds.getConnection();
    try (Statement st = c.createStatement()) {
      st.execute("ATTACH DATABASE '" + messages.toString().replace("'", "''") + "' AS msg");
    } catch (SQLException e) {
      Database.closeQuietly(c);
      throw e;
    }
    return c;
  }

  @Override
  public void close() {
    closed = true;
    writeLock.lock();
    try {
      Database.closeQuietly(writer);
      writer = null;
    } finally {
      writeLock.unlock();
    }
    for (Connection c = idleReaders.poll(); c != null; c = idleReaders.poll()) {
      Database.closeQuietly(c);
    }
  }

  @Override
  public String toString() {
    return "search index " + file;
  }
}
