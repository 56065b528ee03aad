package io.parley.server.store;

import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import io.parley.server.config.ParleyConfig;
import io.parley.server.ops.StartupPhases;
import java.io.Closeable;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.Locale;
import java.util.concurrent.locks.ReentrantLock;
import org.sqlite.SQLiteConfig;
import org.sqlite.SQLiteDataSource;

/**
 * The relational database behind the stores: SQLite (embedded, default) or PostgreSQL (cluster).
 *
 * <p>Opening runs the migrations of the dialect ({@link Migrations}: {@code db/migration/sqlite} or
 * {@code db/migration/postgresql}). All access goes through {@link #read} (auto-commit, may run
 * concurrently) and {@link #write} (one transaction, committed before it returns).
 *
 * <p><b>SQLite</b>: the file {@code <data_dir>/<sqlite_file>} in WAL mode with {@code
 * synchronous=FULL}, so a committed transaction survives SIGKILL and power loss. SQLite allows one
 * writer at a time, so every write transaction runs on a single dedicated writer connection under a
 * lock (no {@code SQLITE_BUSY} between our own writers); reads use a small pool of {@code
 * query_only} connections that WAL lets run alongside the writer.
 *
 * <p><b>PostgreSQL</b>: one HikariCP pool of {@code pool_size} connections for reads and writes
 * (READ COMMITTED); cross-node safety comes from row locks taken by the SQL itself.
 */
public final class Database implements Closeable {

  /** The SQL dialect of a database. */
  public enum Dialect {
    SQLITE,
    POSTGRES;

    static Dialect of(String type) {
      return switch (type == null ? "" : type.toLowerCase(Locale.ROOT)) {
        case "sqlite" -> SQLITE;
        case "postgres", "postgresql" -> POSTGRES;
        default -> throw new IllegalArgumentException("unknown store.type: " + type);
      };
    }
  }

  /** Work on a connection; may throw {@link SQLException}. */
  @FunctionalInterface
  public interface SqlWork<T> {
    T apply(Connection c) throws SQLException;
  }

  private static final int SQLITE_BUSY_TIMEOUT_MS = 10_000;
  private static final int SQLITE_MAX_READERS = 4;
  private static final int WRITER_STATEMENTS = 128;
  private static final int WRITER_CACHE_KIB = 32 * 1024;
  private static final long CHECKPOINT_PERIOD_MS = 100;

  private final Dialect dialect;
  private final HikariDataSource pool;
  private final Connection writer; // SQLite only
  private final StatementCache writerStatements; // SQLite only
  private final ReentrantLock writeLock = new ReentrantLock();
  private Path sqliteFile; // SQLite only
  private SqliteCheckpointer checkpointer; // SQLite only
  private final java.util.Deque<AutoCloseable> closeFirst =
      new java.util.concurrent.ConcurrentLinkedDeque<>();
  private final java.util.Queue<String> statements =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.Queue<String> commits =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private final java.util.Queue<String> executions =
      new java.util.concurrent.ConcurrentLinkedQueue<>();
  private volatile boolean countingStatements;

  private Database(Dialect dialect, HikariDataSource pool, Connection writer) {
    this.dialect = dialect;
    this.pool = pool;
    this.writer = writer;
    this.writerStatements = writer == null ? null : new StatementCache(writer, WRITER_STATEMENTS);
  }

  /**
   * SQLite only: writes a consistent copy of the live database to {@code target} (which must not
   * exist) with {@code VACUUM INTO}, on a connection of its own. It reads one snapshot (WAL lets
   * the writer go on meanwhile), so the copy holds every transaction committed before it started.
   */
  public void backupSqliteTo(Path target) {
    if (dialect != Dialect.SQLITE) {
      throw new UnsupportedOperationException("online backup is SQLite only; use pg_dump");
    }
    try (Connection c =
            java.sql.DriverManager.getConnection("jdbc:sqlite:" + sqliteFile.toAbsolutePath());
        java.sql.PreparedStatement ps = c.prepareStatement("VACUUM INTO ?")) {
      try (java.sql.Statement st = c.createStatement()) {
        st.execute("PRAGMA busy_timeout = " + SQLITE_BUSY_TIMEOUT_MS);
      }
      ps.setString(1, target.toAbsolutePath().toString());
      ps.execute();
    } catch (SQLException e) {
      throw new StoreException("backup failed: " + e.getMessage(), e);
    }
  }

  /** Opens (creating and migrating if needed) the database configured by {@code cfg}. */
  public static Database open(ParleyConfig.Store cfg) {
    return open(cfg, new StartupPhases());
  }

  /** Like {@link #open(ParleyConfig.Store)}, timing its phases (migrations, pool) in {@code t}. */
  public static Database open(ParleyConfig.Store cfg, StartupPhases t) {
    return switch (Dialect.of(cfg.type())) {
      case SQLITE -> openSqlite(cfg, t);
      case POSTGRES -> openPostgres(cfg, t);
    };
  }

  private static Database openSqlite(ParleyConfig.Store cfg, StartupPhases t) {
    Path dir = Path.of(cfg.dataDir() == null ? "./data" : cfg.dataDir());
    Path file = dir.resolve(cfg.sqliteFile() == null ? "parley.db" : cfg.sqliteFile());
    try {
      SqliteFiles.prepare(dir, file); // owner-only: data dir 0700, db (and -wal/-shm) 0600
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create data_dir " + dir, e);
    }
    String url = "jdbc:sqlite:" + file.toAbsolutePath();

    SQLiteConfig sc = new SQLiteConfig();
    sc.setJournalMode(SQLiteConfig.JournalMode.WAL);
    sc.setSynchronous(SQLiteConfig.SynchronousMode.FULL);
    sc.enforceForeignKeys(true);
    sc.setBusyTimeout(SQLITE_BUSY_TIMEOUT_MS);
    sc.setTransactionMode(SQLiteConfig.TransactionMode.IMMEDIATE);
    // no JDBC generated keys (nothing reads them): with them on, the driver matched every
    // executed statement's SQL against a regex and ran "SELECT last_insert_rowid()" in a new
    // statement after every INSERT (the largest allocation site in a JFR profile of direct-random)
    sc.setGetGeneratedKeys(false);
    SQLiteDataSource ds = new SQLiteDataSource(sc);
    ds.setUrl(url);

    Connection writer = null;
    HikariDataSource readers = null;
    try {
      long opened = System.nanoTime();
      writer = ds.getConnection();
      t.record("sqlite-open", System.nanoTime() - opened);
      Migrations.migrate(ds, "sqlite", t);
      try (java.sql.Statement st = writer.createStatement()) {
        // index pages the writer touches stay in memory (the default 2 MiB made it re-read them)
        st.execute("PRAGMA cache_size = -" + WRITER_CACHE_KIB);
        // statement journals (a multi-row insert, an insert firing a trigger) stay in memory: past
        // 64 KiB SQLite otherwise spills them to a temp file it opens, writes and deletes per batch
        st.execute("PRAGMA temp_store = MEMORY");
        // the WAL is copied back by SqliteCheckpointer; the writer only as a safety net
        st.execute("PRAGMA wal_autocheckpoint = " + SqliteCheckpointer.WRITER_SAFETY_NET_PAGES);
      }
      // the driver begins the next transaction as soon as one commits; IMMEDIATE would take the
      // write lock and a read snapshot then and hold them between batches, so the WAL could never
      // be rewound after SqliteCheckpointer copied it back (a rewind needs a transaction that
      // began after the copy). DEFERRED takes both at the batch's first statement; no other
      // connection writes, so it is never refused the upgrade.
      writer
          .unwrap(org.sqlite.SQLiteConnection.class)
          .getConnectionConfig()
          .setTransactionMode(SQLiteConfig.TransactionMode.DEFERRED);
      writer.setAutoCommit(false);

      HikariConfig hc = new HikariConfig();
      hc.setPoolName("parley-sqlite-read");
      hc.setDataSource(ds);
      hc.setMaximumPoolSize(Math.max(1, Math.min(cfg.poolSize(), SQLITE_MAX_READERS)));
      hc.setMinimumIdle(1);
      hc.setConnectionInitSql("PRAGMA query_only = true");
      readers = t.time("read-pool", () -> new HikariDataSource(hc));
      Database db = new Database(Dialect.SQLITE, readers, writer);
      db.sqliteFile = file;
      db.checkpointer = new SqliteCheckpointer(ds, CHECKPOINT_PERIOD_MS);
      return db;
    } catch (SQLException | RuntimeException e) {
      closeQuietly(writer);
      if (readers != null) {
        readers.close();
      }
      throw new StoreException("cannot open SQLite database " + file, e);
    }
  }

  private static Database openPostgres(ParleyConfig.Store cfg, StartupPhases t) {
    HikariConfig hc = new HikariConfig();
    hc.setPoolName("parley-pg");
    hc.setJdbcUrl(cfg.postgresUrl());
    hc.setUsername(cfg.postgresUser());
    if (cfg.postgresPassword() != null && !cfg.postgresPassword().isEmpty()) {
      hc.setPassword(cfg.postgresPassword());
    }
    hc.setMaximumPoolSize(Math.max(2, cfg.poolSize()));
    hc.addDataSourceProperty("reWriteBatchedInserts", "true");
    HikariDataSource pool = t.time("pool", () -> new HikariDataSource(hc));
    try {
      Migrations.migrate(pool, "postgresql", t);
    } catch (RuntimeException e) {
      pool.close();
      throw e;
    }
    return new Database(Dialect.POSTGRES, pool, null);
  }

  /**
   * Turns counting of SQL statements (prepared or created through {@link #read}/{@link #write}) on
   * or off; off by default, as it wraps every connection. For tests that bound round trips.
   */
  public void countStatements(boolean on) {
    if (on) {
      statements.clear();
      commits.clear();
      executions.clear();
    }
    countingStatements = on;
  }

  /**
   * The statements counted while counting was on, as {@code "<thread>: <sql>"}, oldest first;
   * cleared when counting is turned on.
   */
  public java.util.List<String> statements() {
    return java.util.List.copyOf(statements);
  }

  /**
   * The write transactions ({@link #write}) committed while counting was on, one entry per commit
   * naming the thread that ran it, oldest first; cleared when counting is turned on.
   */
  public java.util.List<String> commits() {
    return java.util.List.copyOf(commits);
  }

  private <T> T countCommit(T result) {
    if (countingStatements) {
      commits.add(Thread.currentThread().getName());
    }
    return result;
  }

  /**
   * The statement executions counted while counting was on (each one a round trip to the database;
   * a JDBC batch counts once), as {@code "<thread>: <sql>"}, oldest first; cleared when counting is
   * turned on.
   */
  public java.util.List<String> executions() {
    return java.util.List.copyOf(executions);
  }

  private <T> SqlWork<T> counted(SqlWork<T> work) {
    if (!countingStatements) {
      return work;
    }
    return c ->
        work.apply(
            StatementCounter.wrap(
                c,
                sql -> statements.add(Thread.currentThread().getName() + ": " + sql),
                sql -> executions.add(Thread.currentThread().getName() + ": " + sql)));
  }

  public Dialect dialect() {
    return dialect;
  }

  /**
   * Runs read-only work on an auto-commit connection. On SQLite it must not write (the connection
   * is {@code query_only}).
   */
  public <T> T read(SqlWork<T> work) {
    try (Connection c = pool.getConnection()) {
      return counted(work).apply(c);
    } catch (SQLException e) {
      throw new StoreException("read failed: " + e.getMessage(), e);
    }
  }

  /**
   * Runs {@code work} in one transaction and commits it; rolls back if it throws (a {@link
   * SQLException} is rethrown wrapped in {@link StoreException}, runtime exceptions as they are).
   * On SQLite all writes are serialized on the one writer connection.
   */
  public <T> T write(SqlWork<T> raw) {
    SqlWork<T> work = counted(raw);
    if (writer != null) {
      writeLock.lock();
      try {
        return countCommit(inTransaction(writerStatements.connection(), work));
      } finally {
        writeLock.unlock();
      }
    }
    try (Connection c = pool.getConnection()) {
      c.setAutoCommit(false);
      try {
        return countCommit(inTransaction(c, work));
      } finally {
        c.setAutoCommit(true);
      }
    } catch (SQLException e) {
      throw new StoreException("write failed: " + e.getMessage(), e);
    }
  }

  /**
   * Runs {@code work} on {@code c} (auto-commit off) and commits; rolls back if it throws, a {@link
   * SQLException} rethrown wrapped in {@link StoreException}. Also for connections of files beside
   * the database (the search index's).
   */
  public static <T> T inTransaction(Connection c, SqlWork<T> work) {
    try {
      T result = work.apply(c);
      c.commit();
      return result;
    } catch (SQLException e) {
      rollback(c, e);
      throw new StoreException("write failed: " + e.getMessage(), e);
    } catch (RuntimeException | Error e) {
      rollback(c, e);
      throw e;
    }
  }

  private static void rollback(Connection c, Throwable cause) {
    try {
      c.rollback();
    } catch (SQLException e) {
      cause.addSuppressed(e);
    }
  }

  /** Closes {@code c} if not null, ignoring a failure (a connection given up on). */
  public static void closeQuietly(Connection c) {
    if (c != null) {
      try {
        c.close();
      } catch (SQLException ignored) {
        // closing after a failure
      }
    }
  }

  /** SQLite only: the database file. */
  public Path sqliteFile() {
    if (sqliteFile == null) {
      throw new UnsupportedOperationException("not a SQLite database");
    }
    return sqliteFile;
  }

  /**
   * SQLite only: a file beside the database, in the same owner-only directory, created 0600 if it
   * does not exist (e.g. the search index's own database, {@code parley-search.db} beside {@code
   * parley.db}).
   */
  public Path sqliteSibling(String name) {
    Path f = sqliteFile().resolveSibling(name);
    try {
      SqliteFiles.prepare(f.getParent(), f);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + f, e);
    }
    return f;
  }

  /**
   * Closes {@code c} when this database closes, before its own connections, the latest registered
   * first: for what reads or writes beside it (the search index's file and its thread).
   */
  public void closeWith(AutoCloseable c) {
    closeFirst.push(c);
  }

  /** Frames the SQLite checkpoint thread has found copied back at most (0 if none; for tests). */
  long checkpointerFramesCopied() {
    return checkpointer == null ? 0 : checkpointer.framesCopied();
  }

  /** Times the checkpoint thread found the log rewound (SQLite; for tests). */
  long checkpointerRewinds() {
    return checkpointer == null ? 0 : checkpointer.rewinds();
  }

  @Override
  public void close() {
    for (AutoCloseable c = closeFirst.poll(); c != null; c = closeFirst.poll()) {
      try {
        c.close();
      } catch (Exception e) {
        org.slf4j.LoggerFactory.getLogger(Database.class).warn("closing {} failed", c, e);
      }
    }
    if (checkpointer != null) {
      checkpointer.close();
    }
    if (writer != null) {
      writeLock.lock();
      try {
        writerStatements.close();
        closeQuietly(writer);
      } finally {
        writeLock.unlock();
      }
    }
    pool.close();
  }
}
