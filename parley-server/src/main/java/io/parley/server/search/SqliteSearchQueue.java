package io.parley.server.search;

import io.parley.server.messaging.MessageWriter.IdleResult;
import io.parley.server.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.ReentrantLock;

/**
 * Builds the FTS5 index in its own database file ({@link SqliteSearchFile}) from the queue that
 * triggers append to {@code message_fts_pending} in the message database (migrations V12, V15) in
 * the transaction that stores or deletes a message.
 *
 * <p>The index file records how far it has read the queue ({@code search_state.indexed}, a queue
 * id) in the same transaction as the index rows, so after a crash it resumes where its last commit
 * left off. The queue's ids grow in commit order (one writer; a new row gets the largest id plus
 * one), so everything up to a snapshot's largest id is committed. The message database only drops
 * queue rows below what the index has durably read ({@link #truncate}), on the message writer's
 * thread, and keeps the last one so that ids never restart.
 *
 * <p>When the index file is new, or reads further than the queue holds (a message database restored
 * from a backup beside a newer index), it is rebuilt from {@code messages}: the queue's largest id
 * is noted, then the messages are indexed in key order, a batch per transaction with the last key
 * recorded ({@code search_rebuild}), so a rebuild neither holds one snapshot of the message
 * database for its whole length nor starts over after a restart. The queue is then read from the
 * noted id; as a message stored during the rebuild may have been indexed by both, the batches up to
 * the queue's end when the scan finished first remove what they are about to index.
 *
 * <p>Indexing runs on the index file's connection, under a lock: {@link #runOnce} is one batch for
 * the background thread ({@link SqliteSearchIndexer}); {@link #drain} runs before every search, so
 * a search sees every message stored before it started. Neither takes the message database's write
 * lock (the index connection only reads it), so a send never waits for indexing.
 */
final class SqliteSearchQueue {
  /** Queue rows per indexing transaction (one FTS5 segment each). */
  static final int BATCH = 1024;

  /** The message writer drops consumed queue rows once this many have accumulated. */
  static final int TRUNCATE_EVERY = 512;

  /** Queue rows one truncation deletes at most. */
  static final int TRUNCATE_MAX = 4096;

  private static final String TEXT =
      "CASE json_extract(m.body, '$.kind')"
          + " WHEN 'text' THEN json_extract(m.body, '$.text')"
          + " WHEN 'media' THEN json_extract(m.body, '$.caption')"
          + " WHEN 'document' THEN json_extract(m.body, '$.file_name') END";

  /**
   * Inserts into the index the searchable text of the messages {@code m} that {@code from} (a FROM
   * clause and its conditions) selects.
   */
  private static String indexFrom(String from) {
    return "INSERT INTO message_fts (rowid, text, conv, conversation_id, seq)"
        + " SELECT message_id, t, 'c' || conversation_id, conversation_id, seq FROM ("
        + "SELECT m.message_id, m.conversation_id, m.seq, "
        + TEXT
        + " AS t FROM "
        + from
        + " AND json_valid(m.body)) WHERE t IS NOT NULL AND t <> ''";
  }

  /** The messages of a range of queue rows that ask for indexing (parameters: after, up to). */
  private static final String QUEUED =
      // CROSS JOIN: the queue drives the loop (a plain join let SQLite scan every message)
      "msg.message_fts_pending p CROSS JOIN msg.messages m"
          + " ON m.conversation_id = p.conversation_id AND m.seq = p.seq"
          + " WHERE p.id > ? AND p.id <= ? AND p.message_id IS NULL";

  private static final String INDEX = indexFrom(QUEUED);

  /** Makes {@link #INDEX} repeatable: removes the batch's messages first (after a rebuild). */
  private static final String CLEAR =
      "DELETE FROM message_fts WHERE rowid IN (SELECT m.message_id FROM " + QUEUED + ")";

  private static final String UNINDEX =
      "DELETE FROM message_fts WHERE rowid IN (SELECT message_id FROM msg.message_fts_pending"
          + " WHERE id > ? AND id <= ? AND message_id IS NOT NULL)";

  private static final String REBUILD_PIECE =
      indexFrom(
          "msg.messages m WHERE (m.conversation_id, m.seq) > (?, ?)"
              + " AND (m.conversation_id, m.seq) <= (?, ?)");

  private static final String REBUILD_END =
      "SELECT conversation_id, seq FROM msg.messages WHERE (conversation_id, seq) > (?, ?)"
          + " ORDER BY conversation_id, seq LIMIT 1 OFFSET ?";

  private static final String NEXT =
      "SELECT count(*), max(id) FROM (SELECT id FROM msg.message_fts_pending WHERE id > ?"
          + " ORDER BY id LIMIT ?)";

  private final Database db;
  private final SqliteSearchFile file;
  private final ReentrantLock lock = new ReentrantLock();
  private boolean verified; // guarded by lock: the index was checked against the queue
  private final AtomicLong durable = new AtomicLong(-1); // queue id the index has committed
  private long truncatedBelow = 1; // message writer thread only (queue ids start at 1)
  private final int batch;

  SqliteSearchQueue(Database db, SqliteSearchFile file) {
    this(db, file, BATCH);
  }

  /** With {@code batch} queue rows per transaction instead of {@link #BATCH} (tests). */
  SqliteSearchQueue(Database db, SqliteSearchFile file, int batch) {
    this.db = db;
    this.file = file;
    this.batch = batch;
  }

  /** Indexes every message queued before the call (a batch per transaction). */
  void drain() {
    lock.lock();
    try {
      long target = file.write(SqliteSearchQueue::largestQueued);
      Batch b;
      do {
        b = indexBatch(batch);
      } while (b.rebuilding() || (b.last() < target && b.rows() > 0));
    } finally {
      lock.unlock();
    }
  }

  /**
   * One batch of background indexing ({@link SqliteSearchIndexer}): at most {@code batch} queue
   * rows in one transaction, none if nothing is queued; more may wait if it took a full batch.
   */
  IdleResult runOnce() {
    lock.lock();
    try {
      Batch b = indexBatch(batch);
      if (b.rebuilding()) {
        return new IdleResult(true, true);
      }
      return b.rows() == 0 ? IdleResult.NOTHING : new IdleResult(true, b.rows() == batch);
    } finally {
      lock.unlock();
    }
  }

  /** The queue id up to which the index is committed (-1 before the first batch). */
  long indexed() {
    return durable.get();
  }

  /**
   * For the message writer's idle work: deletes the queue rows the index has durably read, except
   * the last one, once {@link #TRUNCATE_EVERY} have accumulated, at most {@link #TRUNCATE_MAX} per
   * transaction (a send never waits behind a long delete); a transaction only then.
   */
  IdleResult truncate() {
    long upTo = durable.get();
    if (upTo - truncatedBelow < TRUNCATE_EVERY) {
      return IdleResult.NOTHING;
    }
    long below = Math.min(upTo, truncatedBelow + TRUNCATE_MAX);
    db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM message_fts_pending WHERE id < ?")) {
            ps.setLong(1, below);
            return ps.executeUpdate();
          }
        });
    truncatedBelow = below;
    return new IdleResult(true, upTo - below >= TRUNCATE_EVERY);
  }

  /** A batch's queue rows and the position after it; or a step of a rebuild. */
  private record Batch(int rows, long last, boolean rebuilding) {
    Batch(int rows, long last) {
      this(rows, last, false);
    }

    static final Batch REBUILDING = new Batch(0, -1, true);
  }

  private Batch indexBatch(int n) {
    Batch b =
        file.write(
            c -> {
              // the index file's write lock first, so the position read next cannot be stale (it
              // rewrites the row unchanged: SQLite dirties no page, so an idle batch writes
              // nothing)
              try (Statement st = c.createStatement()) {
                st.executeUpdate("UPDATE search_state SET indexed = indexed");
              }
              Long from = position(c);
              Rebuild r = Rebuild.read(c);
              Rebuild running = r != null && r.untilQueue() == null ? r : null;
              if (running != null && running.fromQueue() > largestQueued(c)) {
                running = null; // begun against another message database (a restored backup)
                from = null;
              }
              if (running == null && (from == null || (!verified && from > largestQueued(c)))) {
                startRebuild(c);
                return Batch.REBUILDING;
              }
              if (running != null) {
                Long done = rebuildPiece(c, running, n);
                return done == null ? Batch.REBUILDING : new Batch(0, done);
              }
              verified = true;
              int rows;
              long last;
              try (PreparedStatement ps = c.prepareStatement(NEXT)) {
                ps.setLong(1, from);
                ps.setInt(2, n);
                try (ResultSet rs = ps.executeQuery()) {
                  rs.next();
                  rows = rs.getInt(1);
                  last = rows == 0 ? from : rs.getLong(2);
                }
              }
              if (rows > 0) {
                if (r != null && from < r.untilQueue()) {
                  run(c, CLEAR, from, last);
                } else if (r != null) {
                  try (Statement st = c.createStatement()) {
                    st.executeUpdate("DELETE FROM search_rebuild"); // its catch-up is over
                  }
                }
                run(c, INDEX, from, last);
                run(c, UNINDEX, from, last);
                setPosition(c, last);
              }
              return new Batch(rows, last);
            });
    if (!b.rebuilding()) {
      durable.set(b.last());
    }
    return b;
  }

  /** Empties the index and notes where the rebuild starts: the first key, the queue's end. */
  private void startRebuild(Connection c) throws SQLException {
    long from = largestQueued(c);
    try (Statement st = c.createStatement()) {
      st.executeUpdate("DROP TABLE IF EXISTS message_fts");
      st.executeUpdate(SqliteSearchFile.FTS_DDL);
      st.executeUpdate("DELETE FROM search_state");
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT OR REPLACE INTO search_rebuild (id, after_conversation, after_seq, from_queue)"
                + " VALUES (1, ?, ?, ?)")) {
      ps.setLong(1, Long.MIN_VALUE);
      ps.setLong(2, Long.MIN_VALUE);
      ps.setLong(3, from);
      ps.executeUpdate();
    }
  }

  /**
   * Indexes the next {@code n} messages after the rebuild's last key; when none are left, ends the
   * rebuild and returns the queue id to read on from (null while messages remain).
   */
  private Long rebuildPiece(Connection c, Rebuild state, int n) throws SQLException {
    long[] end = null;
    try (PreparedStatement ps = c.prepareStatement(REBUILD_END)) {
      ps.setLong(1, state.afterConversation());
      ps.setLong(2, state.afterSeq());
      ps.setInt(3, n - 1);
      try (ResultSet rs = ps.executeQuery()) {
        if (rs.next()) {
          end = new long[] {rs.getLong(1), rs.getLong(2)};
        }
      }
    }
    long[] upTo = end == null ? new long[] {Long.MAX_VALUE, Long.MAX_VALUE} : end;
    try (PreparedStatement ps = c.prepareStatement(REBUILD_PIECE)) {
      ps.setLong(1, state.afterConversation());
      ps.setLong(2, state.afterSeq());
      ps.setLong(3, upTo[0]);
      ps.setLong(4, upTo[1]);
      ps.executeUpdate();
    }
    if (end != null) {
      try (PreparedStatement ps =
          c.prepareStatement(
              "UPDATE search_rebuild SET after_conversation = ?, after_seq = ? WHERE id = 1")) {
        ps.setLong(1, end[0]);
        ps.setLong(2, end[1]);
        ps.executeUpdate();
      }
      return null;
    }
    try (PreparedStatement ps =
        c.prepareStatement("UPDATE search_rebuild SET until_queue = ? WHERE id = 1")) {
      ps.setLong(1, largestQueued(c));
      ps.executeUpdate();
    }
    setPosition(c, state.fromQueue());
    verified = true;
    return state.fromQueue();
  }

  /**
   * The row of {@code search_rebuild}: the last message key indexed, the queue id the rebuild began
   * at, and, once its scan is done, the queue id up to which batches clear first (null while the
   * scan runs).
   */
  private record Rebuild(long afterConversation, long afterSeq, long fromQueue, Long untilQueue) {
    static Rebuild read(Connection c) throws SQLException {
      try (Statement st = c.createStatement();
          ResultSet rs =
              st.executeQuery(
                  "SELECT after_conversation, after_seq, from_queue, until_queue"
                      + " FROM search_rebuild WHERE id = 1")) {
        if (!rs.next()) {
          return null;
        }
        long until = rs.getLong(4);
        Long untilQueue = rs.wasNull() ? null : until; // before reading another column
        return new Rebuild(rs.getLong(1), rs.getLong(2), rs.getLong(3), untilQueue);
      }
    }
  }

  static Long position(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT indexed FROM search_state WHERE id = 1")) {
      return rs.next() ? rs.getLong(1) : null;
    }
  }

  private static void setPosition(Connection c, long upTo) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement("INSERT OR REPLACE INTO search_state (id, indexed) VALUES (1, ?)")) {
      ps.setLong(1, upTo);
      ps.executeUpdate();
    }
  }

  static long largestQueued(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT coalesce(max(id), 0) FROM msg.message_fts_pending")) {
      rs.next();
      return rs.getLong(1);
    }
  }

  private static void run(Connection c, String sql, long after, long upTo) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, after);
      ps.setLong(2, upTo);
      ps.executeUpdate();
    }
  }
}
