package io.parley.server.store;

import io.parley.server.conversation.model.Role;
import io.parley.server.store.JdbcMessageStore.DirectPair;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Finds or creates the direct conversations of a writer batch's pairs inside the batch's SQLite
 * transaction, a few statements per batch instead of five per pair: the pairs that already have a
 * conversation and the peers that exist are looked up with {@code IN} lists, then the new
 * conversations, their members and their membership periods are inserted with multi-row {@code
 * INSERT}s. Lists and row counts are cut into power-of-two pieces (at most {@link #CHUNK}), so
 * there are few statement shapes and the writer's statement cache reuses them. Only for the single
 * SQLite writer: no other transaction can create a pair between the lookup and the insert.
 *
 * <p>On SQLite a pair is found through its members (V14): each member row of a direct conversation
 * holds the other user in {@code peer_id}, and {@code members_user} is keyed by {@code (user_id,
 * peer_id)}. New conversations leave {@code direct_key} NULL, so they add no entry on a random page
 * of its unique index (NULLs are appended at one end); older ones keep their key, unread.
 */
final class SqliteDirectPairs {
  /** Values per statement at most. */
  static final int CHUNK = 64;

  private SqliteDirectPairs() {}

  /**
   * The conversation id of each pair's key; pairs created here are added to {@code created}; when
   * {@code peersMustExist}, a pair whose peer is not a user is left out.
   */
  static Map<String, Long> resolve(
      Connection c, List<DirectPair> pairs, Set<Long> created, boolean peersMustExist)
      throws SQLException {
    Map<String, Long> ids = existing(c, pairs);
    List<DirectPair> fresh = new ArrayList<>();
    Set<Long> peers = new HashSet<>();
    for (DirectPair p : pairs) {
      if (!ids.containsKey(p.key())) {
        fresh.add(p);
        peers.add(p.peer());
      }
    }
    if (fresh.isEmpty()) {
      return ids;
    }
    Set<Long> users =
        peersMustExist
            ? new HashSet<>(
                inList(
                    c,
                    "SELECT id FROM users WHERE id IN ",
                    new ArrayList<>(peers),
                    rs -> rs.getLong(1)))
            : peers;
    List<Object[]> conversations = new ArrayList<>();
    List<Object[]> members = new ArrayList<>();
    List<Object[]> periods = new ArrayList<>();
    String role = Role.MEMBER.wire();
    for (DirectPair p : fresh) {
      if (!users.contains(p.peer())) {
        continue;
      }
      conversations.add(new Object[] {p.newId(), p.ts()});
      members.add(new Object[] {p.newId(), p.sender(), role, p.ts(), p.peer()});
      periods.add(new Object[] {p.newId(), p.sender()});
      if (p.sender() != p.peer()) {
        members.add(new Object[] {p.newId(), p.peer(), role, p.ts(), p.sender()});
        periods.add(new Object[] {p.newId(), p.peer()});
      }
      ids.put(p.key(), p.newId());
      created.add(p.newId());
    }
    insertRows(
        c,
        "INSERT INTO conversations (id, type, title, created_at, last_seq, direct_key) VALUES ",
        "(?, 'direct', NULL, ?, 0, NULL)",
        conversations);
    insertRows(
        c,
        "INSERT INTO members (" + JdbcConversationStore.MEMBER_COLS + ", peer_id) VALUES ",
        "(?, ?, ?, ?, 0, 0, 0, ?)",
        members);
    insertRows(
        c,
        "INSERT INTO membership_periods (conversation_id, user_id, after_seq, to_seq) VALUES ",
        "(?, ?, 0, NULL)",
        periods);
    return ids;
  }

  /** The conversations the pairs already have, by key: one member row's (user, peer) each. */
  private static Map<String, Long> existing(Connection c, List<DirectPair> pairs)
      throws SQLException {
    Map<String, Long> ids = new HashMap<>();
    for (int from = 0; from < pairs.size(); from += CHUNK) {
      List<DirectPair> piece =
          Sql.padded(pairs.subList(from, Math.min(pairs.size(), from + CHUNK)));
      List<Object> params = new ArrayList<>(piece.size() * 2);
      for (DirectPair p : piece) {
        params.add(p.sender());
        params.add(p.peer());
      }
      for (long[] row :
          Sql.query(
              c,
              existingSql(piece.size()),
              rs -> new long[] {rs.getLong(1), rs.getLong(2), rs.getLong(3)},
              params.toArray())) {
        ids.put(DirectPair.keyOf(row[0], row[1]), row[2]);
      }
    }
    return ids;
  }

  /**
   * The lookup of {@code n} (user, peer) pairs; CROSS JOIN makes the pairs drive the loop, each a
   * search of {@code members_user (user_id, peer_id)}.
   */
  static String existingSql(int n) {
    return "WITH p (u, v) AS (VALUES "
        + Sql.repeat("(?, ?)", n)
        + ") SELECT p.u, p.v, m.conversation_id FROM p CROSS JOIN members m"
        + " WHERE m.user_id = p.u AND m.peer_id = p.v";
  }

  /** {@code head (?, ?, ...)} over {@code values}, in padded pieces of at most {@link #CHUNK}. */
  private static <T, R> List<R> inList(
      Connection c, String head, List<T> values, Sql.RowMapper<R> row) throws SQLException {
    List<R> out = new ArrayList<>();
    for (int from = 0; from < values.size(); from += CHUNK) {
      List<T> piece = Sql.padded(values.subList(from, Math.min(values.size(), from + CHUNK)));
      out.addAll(
          Sql.query(c, head + "(" + Sql.repeat("?", piece.size()) + ")", row, piece.toArray()));
    }
    return out;
  }

  /** Inserts {@code rows} with {@code head} and {@code row} repeated, in power-of-two pieces. */
  private static void insertRows(Connection c, String head, String row, List<Object[]> rows)
      throws SQLException {
    int from = 0;
    while (from < rows.size()) {
      int n = Integer.highestOneBit(Math.min(CHUNK, rows.size() - from));
      List<Object> values = new ArrayList<>();
      for (Object[] r : rows.subList(from, from + n)) {
        values.addAll(List.of(r));
      }
      try (PreparedStatement ps =
          Sql.bind(c.prepareStatement(head + Sql.repeat(row, n)), values.toArray())) {
        ps.executeUpdate();
      }
      from += n;
    }
  }
}
