package io.parley.server.search;

import io.parley.server.messaging.MessageWriter.IdleResult;
import io.parley.server.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;

/**
 * Moves the messages queued in {@code message_fts_pending} (by a trigger, in the transaction that
 * stored them; migration V12) into the FTS5 index {@code message_fts}, many per transaction, off
 * the message writer's group commit: one FTS5 segment per drained batch instead of one per writer
 * batch.
 *
 * <p>{@link #drain} runs before every search, so a search sees every message stored before it
 * started, in transactions of at most {@link #BATCH} messages. {@link #runOnce} is the message
 * writer's idle work ({@link io.parley.server.messaging.MessageWriter#setIdleWork}), so the queue
 * stays short when nobody searches; it takes pieces of at most {@link #PIECE} messages, because a
 * send that arrives while a piece runs waits for it (measured: about 13 µs a message in batches of
 * a few hundred, against about 45 µs a message when each writer batch of two or three messages
 * wrote its own FTS5 segment).
 */
final class SqliteSearchQueue {
  /** Messages per transaction when a search drains the queue. */
  static final int BATCH = 128;

  /**
   * Messages per piece of idle work. Pieces of 128 (about 2 ms with their commit) put sends behind
   * them often enough to show in the tail: {@code direct} at 4,000 msg/s had p99 9.4 / 9.8 ms with
   * 128 and 6.0 / 6.5 ms with 32, at 2,000 msg/s 5.3 / 6.3 ms against 4.6 / 5.7 ms, CPU per message
   * the same within noise; without any indexing, 5.0–5.4 and 3.7–3.8 ms.
   */
  static final int PIECE = 32;

  private static String lastOf(int n) {
    return "SELECT id FROM message_fts_pending ORDER BY id LIMIT 1 OFFSET " + (n - 1);
  }

  private static final String TEXT =
      "CASE json_extract(m.body, '$.kind')"
          + " WHEN 'text' THEN json_extract(m.body, '$.text')"
          + " WHEN 'media' THEN json_extract(m.body, '$.caption')"
          + " WHEN 'document' THEN json_extract(m.body, '$.file_name') END";

  private static final String INDEX =
      "INSERT INTO message_fts (rowid, text, conv, conversation_id, seq)"
          + " SELECT message_id, t, 'c' || conversation_id, conversation_id, seq FROM ("
          + "SELECT m.message_id, m.conversation_id, m.seq, "
          + TEXT
          // CROSS JOIN: the queue drives the loop (a plain join let SQLite scan every message)
          + " AS t FROM message_fts_pending p"
          + " CROSS JOIN messages m ON m.conversation_id = p.conversation_id AND m.seq = p.seq"
          + " WHERE p.id <= ? AND json_valid(m.body))"
          + " WHERE t IS NOT NULL AND t <> ''";

  private static final String DEQUEUE = "DELETE FROM message_fts_pending WHERE id <= ?";

  private final Database db;

  SqliteSearchQueue(Database db) {
    this.db = db;
  }

  /** Whether any message waits to be indexed (a read, no write lock). */
  boolean pending() {
    return db.read(
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement("SELECT EXISTS (SELECT 1 FROM message_fts_pending)");
              ResultSet rs = ps.executeQuery()) {
            return rs.next() && rs.getInt(1) == 1;
          }
        });
  }

  /** Indexes every queued message, a batch per transaction. */
  void drain() {
    while (pending() && drainBatch(BATCH) == BATCH) {
      // a full batch: more may wait
    }
  }

  /** Indexes at most {@code n} queued messages in one transaction; returns how many. */
  int drainBatch(int n) {
    return db.write(
        c -> {
          long last = Long.MAX_VALUE;
          try (PreparedStatement ps = c.prepareStatement(lastOf(n));
              ResultSet rs = ps.executeQuery()) {
            if (rs.next()) {
              last = rs.getLong(1);
            }
          }
          run(c, INDEX, last);
          return run(c, DEQUEUE, last);
        });
  }

  private static int run(Connection c, String sql, long lastId) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      ps.setLong(1, lastId);
      return ps.executeUpdate();
    }
  }

  /**
   * One piece of background indexing, for {@link
   * io.parley.server.messaging.MessageWriter#setIdleWork}: at most {@link #PIECE} messages, in a
   * transaction only if any is queued; more may wait if it took a full piece.
   */
  IdleResult runOnce() {
    if (!pending()) {
      return IdleResult.NOTHING;
    }
    return new IdleResult(true, drainBatch(PIECE) == PIECE);
  }
}
