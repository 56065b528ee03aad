package io.parley.server.search;

import io.parley.server.store.Database;
import java.sql.PreparedStatement;
import java.sql.SQLException;

/**
 * {@link SearchIndex} on PostgreSQL: table {@code message_search} (a {@code tsvector} with a GIN
 * index, text search configuration {@code parley_search} = simple parser + {@code unaccent} +
 * {@code simple} dictionary), filled by a trigger on {@code messages} and emptied by {@code ON
 * DELETE CASCADE}. Ranked by {@code ts_rank_cd} (score = its negation, so lower is better),
 * excerpts by {@code ts_headline}.
 */
public final class PostgresSearchIndex extends JdbcSearchIndex {
  private static final String CONFIG = "'parley_search'::regconfig";
  private static final String HEADLINE_OPTIONS =
      "StartSel="
          + Snippets.START
          + ", StopSel="
          + Snippets.STOP
          + ", MaxWords=24, MinWords=8, ShortWord=1";

  public PostgresSearchIndex(Database db) {
    super(db);
    if (db.dialect() != Database.Dialect.POSTGRES) {
      throw new IllegalArgumentException("not a PostgreSQL database");
    }
  }

  @Override
  String query(java.sql.Connection c, SearchTerms terms, long userId, Long conversationId) {
    return terms.tsquery();
  }

  @Override
  String pageSql(boolean inConversation) {
    return "SELECT mid, score, cid, seq FROM ("
        + "SELECT s.message_id AS mid, (-ts_rank_cd(s.tsv, q))::float8 AS score,"
        + " s.conversation_id AS cid, s.seq AS seq"
        + " FROM message_search s, to_tsquery("
        + CONFIG
        + ", ?) q WHERE s.tsv @@ q"
        + (inConversation ? " AND s.conversation_id = ?" : "")
        // visibility: the same rule as history (a current member, and only the messages sent
        // during the user's membership periods), one parameter: the user id
        + " AND "
        + io.parley.server.store.VisibleMessagesSql.visibleTo("s")
        + ") h WHERE score > ? OR (score = ? AND mid > ?)"
        + " ORDER BY score, mid LIMIT ?";
  }

  @Override
  int bindKey(PreparedStatement ps, int p, long[] hit) throws SQLException {
    ps.setLong(p, hit[2]);
    ps.setLong(p + 1, hit[3]);
    return p + 2;
  }

  @Override
  String detailSql(int n) {
    return "SELECT "
        + MESSAGE_COLS
        + ", ts_headline("
        + CONFIG
        + ", s.text, q, '"
        + HEADLINE_OPTIONS
        + "') FROM message_search s"
        + " JOIN messages m ON m.conversation_id = s.conversation_id AND m.seq = s.seq,"
        + " to_tsquery("
        + CONFIG
        + ", ?) q WHERE (s.conversation_id, s.seq) IN ("
        + String.join(", ", java.util.Collections.nCopies(n, "(?, ?)"))
        + ")";
  }
}
