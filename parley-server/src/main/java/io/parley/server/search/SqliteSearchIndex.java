package io.parley.server.search;

import io.parley.server.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;

/**
 * {@link SearchIndex} on the SQLite FTS5 table {@code message_fts}, which lives in its own database
 * file ({@link SqliteSearchFile}; rowid = message id), filled from the queue triggers write in the
 * message database ({@link SqliteSearchQueue}, drained before each search and in the background by
 * {@link SqliteSearchIndexer}). Ranked by {@code bm25()} (lower is better), excerpts by {@code
 * snippet()}. Its connections close with {@code db}.
 */
public final class SqliteSearchIndex extends JdbcSearchIndex {
  private final SqliteSearchFile file;
  private final SqliteSearchQueue queue;

  public SqliteSearchIndex(Database db) {
    super(db);
    if (db.dialect() != Database.Dialect.SQLITE) {
      throw new IllegalArgumentException("not a SQLite database");
    }
    this.file = new SqliteSearchFile(db);
    this.queue = new SqliteSearchQueue(db, file);
    db.closeWith(file);
  }

  /**
   * Starts the thread that indexes queued messages in the background, holding off while {@code
   * busy} (see {@link io.parley.server.messaging.YieldingIdleWork}); it stops when the database
   * closes.
   */
  public void startBackgroundIndexing(java.util.function.BooleanSupplier busy, long maxWaitNanos) {
    db.closeWith(
        new SqliteSearchIndexer(
                new io.parley.server.messaging.YieldingIdleWork(
                    queue::runOnce, busy, maxWaitNanos, System::nanoTime))
            .start());
  }

  /**
   * The message writer's idle work: drops the queue rows the index has durably read ({@link
   * SqliteSearchQueue#truncate}).
   */
  public io.parley.server.messaging.MessageWriter.IdleWork queueTruncation() {
    return queue::truncate;
  }

  /**
   * Queued messages (and deletions) the index file has not read yet: the largest queue id in the
   * message database minus the index's recorded position; the whole queue before the index file was
   * first written. For the {@code parley_search_index_lag} gauge.
   */
  public long lag() {
    long indexed = queue.indexed();
    if (indexed < 0) {
      Long recorded;
      try {
        recorded = file.read(SqliteSearchQueue::position);
      } catch (io.parley.server.store.StoreException e) {
        recorded = null; // no index file yet (its first batch creates it)
      }
      indexed = recorded == null ? 0 : recorded;
    }
    long at = indexed;
    return file.read(c -> Math.max(0, SqliteSearchQueue.largestQueued(c) - at));
  }

  /** The index's own database (tests). */
  SqliteSearchFile file() {
    return file;
  }

  /** The queue this index reads (tests). */
  SqliteSearchQueue queue() {
    return queue;
  }

  @Override
  void beforeSearch() {
    queue.drain();
  }

  @Override
  <T> T read(Database.SqlWork<T> work) {
    return file.read(work);
  }

  /** Above this many conversations the query is not narrowed inside the index. */
  static final int MAX_PREFILTER_CONVERSATIONS = 2000;

  /**
   * The terms restricted to the {@code text} column, AND the user's conversations as {@code conv}
   * tokens: the index intersects both, so a common word costs in proportion to its hits in the
   * user's conversations, not in the whole store. This only narrows; the authoritative visibility
   * check is the predicate in {@link #pageSql}.
   */
  @Override
  String query(Connection c, SearchTerms terms, long userId, Long conversationId)
      throws SQLException {
    String text = "text : (" + terms.fts5() + ")";
    List<Long> conversations = new ArrayList<>();
    if (conversationId != null) {
      conversations.add(conversationId);
    } else {
      // visibility: the conversations whose messages the user may see (current memberships)
      try (PreparedStatement ps =
          c.prepareStatement("SELECT conversation_id FROM members WHERE user_id = ?")) {
        ps.setLong(1, userId);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            conversations.add(rs.getLong(1));
          }
        }
      }
    }
    if (conversations.isEmpty()) {
      return null;
    }
    if (conversations.size() > MAX_PREFILTER_CONVERSATIONS) {
      return text;
    }
    StringBuilder sb = new StringBuilder(text).append(" AND conv : (");
    for (int i = 0; i < conversations.size(); i++) {
      sb.append(i == 0 ? "\"c" : " OR \"c").append(conversations.get(i)).append('"');
    }
    return sb.append(')').toString();
  }

  @Override
  String pageSql(boolean inConversation) {
    return "SELECT mid, score, cid, seq FROM ("
        + "SELECT f.rowid AS mid, bm25(message_fts, 1.0, 0.0) AS score, f.conversation_id AS cid, f.seq AS seq"
        + " FROM message_fts f"
        + " WHERE message_fts MATCH ?"
        + (inConversation ? " AND f.conversation_id = ?" : "")
        // visibility: the same rule as history (a current member, and only the messages sent
        // during the user's membership periods), one parameter: the user id
        + " AND "
        + io.parley.server.store.VisibleMessagesSql.visibleTo("f")
        + ") WHERE score > ? OR (score = ? AND mid > ?)"
        + " ORDER BY score, mid LIMIT ?";
  }

  @Override
  int bindKey(PreparedStatement ps, int p, long[] hit) throws SQLException {
    ps.setLong(p, hit[0]);
    return p + 1;
  }

  @Override
  String detailSql(int n) {
    return "SELECT "
        + MESSAGE_COLS
        + ", snippet(message_fts, 0, '"
        + Snippets.START
        + "', '"
        + Snippets.STOP
        + "', '…', 24)"
        + " FROM message_fts f"
        + " JOIN messages m ON m.conversation_id = f.conversation_id AND m.seq = f.seq"
        + " WHERE message_fts MATCH ? AND f.rowid IN ("
        + placeholders(n)
        + ")";
  }
}
