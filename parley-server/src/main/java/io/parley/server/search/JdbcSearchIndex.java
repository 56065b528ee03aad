package io.parley.server.search;

import io.parley.server.messaging.StoredMessage;
import io.parley.server.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The search algorithm shared by both backends, in two steps on one read connection: (1) the page
 * of hits by keyset {@code (score, message_id)}, which computes only scores, then (2) the messages
 * and snippets of just that page (snippets are costly, so never computed for hits that are not
 * shown). Subclasses give the SQL of each step.
 */
abstract class JdbcSearchIndex implements SearchIndex {
  static final String MESSAGE_COLS =
      "m.message_id, m.conversation_id, m.seq, m.sender_id, m.sender_device_id, m.client_msg_id,"
          + " m.ts, m.body";

  final Database db;

  JdbcSearchIndex(Database db) {
    this.db = db;
  }

  /**
   * Step 1. Selects {@code message_id, score, conversation_id, seq} of visible hits, ordered by
   * {@code score, message_id}, after the keyset. Parameters, in order: query, [conversation id],
   * user id, score, score, message id, limit.
   */
  abstract String pageSql(boolean inConversation);

  /** Runs a search's reads (the index and the messages) on one connection. */
  <T> T read(Database.SqlWork<T> work) {
    return db.read(work);
  }

  /** Brings the index up to date with every stored message before a search reads it. */
  void beforeSearch() {}

  /**
   * Step 2. Selects {@link #MESSAGE_COLS} then the raw snippet, for the {@code n} hits bound by
   * {@link #bindKey} after the query.
   */
  abstract String detailSql(int n);

  /** Binds the key of one hit for {@link #detailSql} at {@code p}; returns the next index. */
  abstract int bindKey(PreparedStatement ps, int p, long[] hit) throws SQLException;

  /**
   * The backend's query text for {@code terms}, for {@code userId} (optionally in one
   * conversation); may read on {@code c}, in the same snapshot as the search.
   */
  abstract String query(Connection c, SearchTerms terms, long userId, Long conversationId)
      throws SQLException;

  @Override
  public SearchPage search(
      long userId, SearchTerms terms, Long conversationId, SearchCursor after, int limit) {
    SearchCursor from = after == null ? new SearchCursor(-Double.MAX_VALUE, Long.MIN_VALUE) : after;
    beforeSearch();
    return read(
        c ->
            search(
                c, query(c, terms, userId, conversationId), userId, conversationId, from, limit));
  }

  private SearchPage search(
      Connection c, String q, long userId, Long conversationId, SearchCursor from, int limit)
      throws SQLException {
    if (q == null) {
      return new SearchPage(List.of(), false);
    }
    List<long[]> ids = new ArrayList<>(); // message id, score bits, conversation id, seq
    try (PreparedStatement ps = c.prepareStatement(pageSql(conversationId != null))) {
      int p = 1;
      ps.setString(p++, q);
      if (conversationId != null) {
        ps.setLong(p++, conversationId);
      }
      ps.setLong(p++, userId);
      ps.setDouble(p++, from.score());
      ps.setDouble(p++, from.score());
      ps.setLong(p++, from.messageId());
      ps.setInt(p, limit + 1);
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          ids.add(
              new long[] {
                rs.getLong(1),
                Double.doubleToLongBits(rs.getDouble(2)),
                rs.getLong(3),
                rs.getLong(4)
              });
        }
      }
    }
    boolean more = ids.size() > limit;
    if (more) {
      ids = ids.subList(0, limit);
    }
    if (ids.isEmpty()) {
      return new SearchPage(List.of(), false);
    }
    Map<Long, SearchPage.Hit> details = new HashMap<>();
    try (PreparedStatement ps = c.prepareStatement(detailSql(ids.size()))) {
      int p = 1;
      ps.setString(p++, q);
      for (long[] id : ids) {
        p = bindKey(ps, p, id);
      }
      try (ResultSet rs = ps.executeQuery()) {
        while (rs.next()) {
          StoredMessage m =
              new StoredMessage(
                  rs.getLong(1),
                  rs.getLong(2),
                  rs.getLong(3),
                  rs.getLong(4),
                  rs.getLong(5),
                  rs.getString(6),
                  rs.getLong(7),
                  rs.getString(8));
          details.put(m.messageId(), new SearchPage.Hit(m, 0, rs.getString(9)));
        }
      }
    }
    List<SearchPage.Hit> hits = new ArrayList<>(ids.size());
    for (long[] id : ids) {
      SearchPage.Hit d = details.get(id[0]);
      if (d != null) { // null: deleted between the two steps
        hits.add(new SearchPage.Hit(d.message(), Double.longBitsToDouble(id[1]), d.snippet()));
      }
    }
    return new SearchPage(hits, more);
  }

  static String placeholders(int n) {
    return String.join(", ", java.util.Collections.nCopies(n, "?"));
  }
}
