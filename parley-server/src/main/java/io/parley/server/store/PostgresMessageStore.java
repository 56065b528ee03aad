package io.parley.server.store;

import io.parley.server.conversation.model.Role;
import java.sql.Array;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link JdbcMessageStore} on PostgreSQL, possibly shared by several nodes.
 *
 * <p>Direct pairs of a batch are resolved in at most four round trips whatever their number: one
 * multi-row {@code INSERT … SELECT FROM unnest(…) ON CONFLICT (direct_key) DO NOTHING RETURNING}
 * for all pairs (in ascending key order, so concurrent batches wait on each other's keys in one
 * order), one {@code SELECT … WHERE direct_key = ANY(?)} for the pairs that already had one, and
 * for the created ones one {@code members} and one {@code membership_periods} insert. A pair being
 * created by another transaction makes the insert wait for it and then skip, so the select finds
 * it: one conversation per pair, also across nodes.
 */
public final class PostgresMessageStore extends JdbcMessageStore {
  /** unique_violation, serialization_failure, deadlock_detected. */
  private static final Set<String> RETRYABLE = Set.of("23505", "40001", "40P01");

  public PostgresMessageStore(Database db) {
    super(Backends.require(db, Database.Dialect.POSTGRES));
  }

  /**
   * A concurrent append on another connection (or node) stored the same (sender, client_msg_id)
   * first; retrying the batch finds it and returns it as a duplicate.
   */
  @Override
  protected boolean isTransientConflict(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (RETRYABLE.contains(x.getSQLState())) {
        return true;
      }
    }
    return false;
  }

  @Override
  protected Map<String, Long> resolveDirectPairs(
      Connection c, List<DirectPair> pairs, Set<Long> created) throws SQLException {
    int n = pairs.size();
    Long[] newIds = new Long[n];
    Long[] ts = new Long[n];
    String[] keys = new String[n];
    Long[] peers = new Long[n];
    for (int i = 0; i < n; i++) {
      DirectPair p = pairs.get(i);
      newIds[i] = p.newId();
      ts[i] = p.ts();
      keys[i] = p.key();
      peers[i] = p.peer();
    }
    Map<String, Long> ids = new HashMap<>();
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO conversations (id, type, title, created_at, last_seq, direct_key)"
                + " SELECT v.id, 'direct', NULL, v.ts, 0, v.k"
                + " FROM unnest(?::bigint[], ?::bigint[], ?::text[], ?::bigint[])"
                + " WITH ORDINALITY AS v(id, ts, k, peer, i)"
                + " WHERE EXISTS (SELECT 1 FROM users u WHERE u.id = v.peer) ORDER BY v.i"
                + " ON CONFLICT (direct_key) DO NOTHING RETURNING id, direct_key")) {
      ps.setArray(1, bigints(c, newIds));
      ps.setArray(2, bigints(c, ts));
      ps.setArray(3, c.createArrayOf("text", keys));
      ps.setArray(4, bigints(c, peers));
      readIds(ps, ids);
    }
    ids.values().forEach(created::add);
    if (ids.size() < n) {
      List<String> rest = new ArrayList<>();
      for (String k : keys) {
        if (!ids.containsKey(k)) {
          rest.add(k);
        }
      }
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT id, direct_key FROM conversations WHERE direct_key = ANY(?)")) {
        ps.setArray(1, c.createArrayOf("text", rest.toArray(String[]::new)));
        readIds(ps, ids);
      }
    }
    if (!created.isEmpty()) {
      addMembers(c, pairs, created);
    }
    return ids;
  }

  /** Both users of every created pair as members from seq 0, with an open membership period. */
  private static void addMembers(Connection c, List<DirectPair> pairs, Set<Long> created)
      throws SQLException {
    List<Long> convs = new ArrayList<>();
    List<Long> users = new ArrayList<>();
    List<Long> joined = new ArrayList<>();
    for (DirectPair p : pairs) {
      if (created.contains(p.newId())) {
        for (long user :
            p.sender() == p.peer() ? List.of(p.sender()) : List.of(p.sender(), p.peer())) {
          convs.add(p.newId());
          users.add(user);
          joined.add(p.ts());
        }
      }
    }
    Array convArray = bigints(c, convs.toArray(Long[]::new));
    Array userArray = bigints(c, users.toArray(Long[]::new));
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO members (conversation_id, user_id, role, joined_at, joined_seq,"
                + " delivered_seq, read_seq)"
                + " SELECT v.c, v.u, ?, v.t, 0, 0, 0"
                + " FROM unnest(?::bigint[], ?::bigint[], ?::bigint[]) AS v(c, u, t)"
                + " ON CONFLICT (conversation_id, user_id) DO NOTHING")) {
      ps.setString(1, Role.MEMBER.wire());
      ps.setArray(2, convArray);
      ps.setArray(3, userArray);
      ps.setArray(4, bigints(c, joined.toArray(Long[]::new)));
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO membership_periods (conversation_id, user_id, after_seq, to_seq)"
                + " SELECT v.c, v.u, 0, NULL FROM unnest(?::bigint[], ?::bigint[]) AS v(c, u)"
                + " ON CONFLICT (conversation_id, user_id, after_seq) DO UPDATE SET to_seq = NULL")) {
      ps.setArray(1, convArray);
      ps.setArray(2, userArray);
      ps.executeUpdate();
    }
  }

  private static Array bigints(Connection c, Long[] values) throws SQLException {
    return c.createArrayOf("bigint", values);
  }

  private static void readIds(PreparedStatement ps, Map<String, Long> ids) throws SQLException {
    try (ResultSet rs = ps.executeQuery()) {
      while (rs.next()) {
        ids.put(rs.getString(2), rs.getLong(1));
      }
    }
  }
}
