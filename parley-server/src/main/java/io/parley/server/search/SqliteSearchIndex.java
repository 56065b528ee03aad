package io.parley.server.search;

import io.parley.server.store.Database;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * {@link SearchIndex} on the SQLite FTS5 table {@code message_fts} (tokenizer {@code unicode61
 * remove_diacritics 2}; rowid = message id), filled and emptied by triggers on {@code messages}.
 * Ranked by {@code bm25()} (lower is better), excerpts by {@code snippet()}.
 */
public final class SqliteSearchIndex extends JdbcSearchIndex {

  public SqliteSearchIndex(Database db) {
    super(db);
    if (db.dialect() != Database.Dialect.SQLITE) {
      throw new IllegalArgumentException("not a SQLite database");
    }
  }

  @Override
  String query(SearchTerms terms) {
    return terms.fts5();
  }

  @Override
  String pageSql(boolean inConversation) {
    return "SELECT mid, score, cid, seq FROM ("
        + "SELECT f.rowid AS mid, bm25(message_fts) AS score, f.conversation_id AS cid, f.seq AS seq"
        + " FROM message_fts f"
        + " WHERE message_fts MATCH ?"
        + (inConversation ? " AND f.conversation_id = ?" : "")
        // visibility: the one place that decides which hits the user may see (current members).
        // A visible-seq-range rule adds its predicate on f.seq here.
        + " AND EXISTS (SELECT 1 FROM members v"
        + " WHERE v.conversation_id = f.conversation_id AND v.user_id = ?)"
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
