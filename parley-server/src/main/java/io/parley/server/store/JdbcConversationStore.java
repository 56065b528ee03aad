package io.parley.server.store;

import io.parley.server.conversation.model.Conversation;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.ConversationType;
import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.Position;
import io.parley.server.conversation.model.Role;
import io.parley.server.conversation.model.SeqRange;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * {@link ConversationStore} over JDBC; subclasses supply the few dialect-specific SQL fragments.
 *
 * <p>A direct conversation is keyed by {@code direct_key = "min:max"} (unique): {@link
 * #getOrCreateDirect} inserts with {@code ON CONFLICT DO NOTHING} and then selects, so concurrent
 * calls for one pair, even on different nodes, yield one conversation. (SQLite, with its single
 * writer, finds pairs through their members instead: {@link SqliteConversationStore}.) Members
 * added later get {@code joinedSeq = deliveredSeq = readSeq =} the conversation's current last seq
 * (they do not receive, and are not counted as unread for, earlier messages). Adding and removing
 * members lock the conversation row first (as sending does), so the seq at which a membership
 * period opens or closes is exact. Receipt positions only rise; callers validate that a position
 * does not exceed the conversation's last seq.
 */
public abstract class JdbcConversationStore implements ConversationStore {
  private static final String CONV_COLS = "id, type, title, created_at, last_seq, history_visible";
  static final String MEMBER_COLS =
      "conversation_id, user_id, role, joined_at, joined_seq, delivered_seq, read_seq";

  /** A member joining a new conversation (positions 0); binds conversation, user, role, time. */
  private static final String INSERT_NEW_MEMBER =
      "INSERT INTO members ("
          + MEMBER_COLS
          + ") VALUES (?, ?, ?, ?, 0, 0, 0) ON CONFLICT (conversation_id, user_id) DO NOTHING";

  /**
   * Opens a membership period (re-opening an empty one that started at the same seq); binds
   * conversation, user, after_seq.
   */
  private static final String OPEN_PERIOD =
      "INSERT INTO membership_periods (conversation_id, user_id, after_seq, to_seq)"
          + " VALUES (?, ?, ?, NULL) ON CONFLICT (conversation_id, user_id, after_seq)"
          + " DO UPDATE SET to_seq = NULL";

  protected final Database db;

  protected JdbcConversationStore(Database db) {
    this.db = db;
  }

  /**
   * Suffix of a {@code SELECT} that row-locks what it reads until commit, or "" where the single
   * writer already serializes write transactions.
   */
  protected abstract String forUpdate();

  @Override
  public Conversation getOrCreateDirect(long newId, long userA, long userB, long now) {
    String key = JdbcMessageStore.DirectPair.keyOf(userA, userB);
    return db.write(
        c -> {
          int inserted;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO conversations (id, type, title, created_at, last_seq, direct_key)"
                      + " VALUES (?, 'direct', NULL, ?, 0, ?) ON CONFLICT (direct_key) DO NOTHING")) {
            inserted = Sql.bind(ps, newId, now, key).executeUpdate();
          }
          if (inserted == 1) {
            for (long user : new LinkedHashSet<>(List.of(userA, userB))) {
              insertMember(c, newId, user, Role.MEMBER, now);
            }
          }
          return queryConversations(
                  c, "SELECT " + CONV_COLS + " FROM conversations WHERE direct_key = ?", key)
              .getFirst();
        });
  }

  @Override
  public Conversation createGroup(
      long id, String title, long ownerId, Collection<Long> memberIds, long now) {
    return db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO conversations (id, type, title, created_at, last_seq)"
                      + " VALUES (?, 'group', ?, ?, 0)")) {
            Sql.bind(ps, id, title, now).executeUpdate();
          }
          insertMember(c, id, ownerId, Role.OWNER, now);
          for (long user : new LinkedHashSet<>(memberIds)) {
            if (user != ownerId) {
              insertMember(c, id, user, Role.MEMBER, now);
            }
          }
          return new Conversation(id, ConversationType.GROUP, title, now, 0);
        });
  }

  @Override
  public Optional<Conversation> find(long conversationId) {
    return db.read(
        c ->
            queryConversations(
                    c, "SELECT " + CONV_COLS + " FROM conversations WHERE id = ?", conversationId)
                .stream()
                .findFirst());
  }

  @Override
  public Map<Long, Long> lastSeqs(Collection<Long> conversationIds) {
    List<Long> ids = List.copyOf(conversationIds);
    Map<Long, Long> out = new HashMap<>();
    if (ids.isEmpty()) {
      return out;
    }
    return db.read(
        c -> {
          for (int from = 0; from < ids.size(); from += 500) {
            List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + 500));
            String marks = Sql.repeat("?", chunk.size());
            try (PreparedStatement ps =
                Sql.bind(
                    c.prepareStatement(
                        "SELECT id, last_seq FROM conversations WHERE id IN (" + marks + ")"),
                    chunk.toArray())) {
              try (ResultSet rs = ps.executeQuery()) {
                while (rs.next()) {
                  out.put(rs.getLong(1), rs.getLong(2));
                }
              }
            }
          }
          return out;
        });
  }

  @Override
  public boolean rename(long conversationId, String title) {
    return update("UPDATE conversations SET title = ? WHERE id = ?", title, conversationId);
  }

  @Override
  public List<Member> members(long conversationId) {
    return db.read(
        c ->
            queryMembers(
                c,
                "SELECT "
                    + MEMBER_COLS
                    + " FROM members WHERE conversation_id = ? ORDER BY joined_at, user_id",
                conversationId));
  }

  @Override
  public Optional<Member> member(long conversationId, long userId) {
    return db.read(
        c ->
            queryMembers(
                    c,
                    "SELECT "
                        + MEMBER_COLS
                        + " FROM members WHERE conversation_id = ? AND user_id = ?",
                    conversationId,
                    userId)
                .stream()
                .findFirst());
  }

  @Override
  public int memberCount(long conversationId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              Sql.bind(
                  c.prepareStatement("SELECT COUNT(*) FROM members WHERE conversation_id = ?"),
                  conversationId)) {
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getInt(1);
            }
          }
        });
  }

  @Override
  public List<Long> addMembers(long conversationId, Collection<Long> userIds, Role role, long now) {
    return db.write(
        c -> {
          List<Long> added = new ArrayList<>();
          // the conversation row first: no seq is committed between reading it and the insert
          Optional<long[]> conv =
              Sql.queryOne(
                  c,
                  "SELECT last_seq, history_visible FROM conversations WHERE id = ?" + forUpdate(),
                  rs -> new long[] {rs.getLong(1), rs.getBoolean(2) ? 1 : 0},
                  conversationId);
          if (conv.isEmpty()) {
            return added;
          }
          long lastSeq = conv.get()[0];
          long visibleAfter = conv.get()[1] == 1 ? 0 : lastSeq;
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO members ("
                      + MEMBER_COLS
                      + ") VALUES (?, ?, ?, ?, ?, ?, ?)"
                      + " ON CONFLICT (conversation_id, user_id) DO NOTHING")) {
            for (long user : new LinkedHashSet<>(userIds)) {
              Sql.bind(ps, conversationId, user, wire(role), now, lastSeq, lastSeq, lastSeq);
              if (ps.executeUpdate() == 1) {
                openPeriod(c, conversationId, user, visibleAfter);
                added.add(user);
              }
            }
          }
          return added;
        });
  }

  @Override
  public boolean removeMember(long conversationId, long userId) {
    return db.write(
        c -> {
          Optional<Long> lastSeq =
              Sql.queryOne(
                  c,
                  "SELECT last_seq FROM conversations WHERE id = ?" + forUpdate(),
                  rs -> rs.getLong(1),
                  conversationId);
          int removed;
          try (PreparedStatement ps =
              Sql.bind(
                  c.prepareStatement(
                      "DELETE FROM members WHERE conversation_id = ? AND user_id = ?"),
                  conversationId,
                  userId)) {
            removed = ps.executeUpdate();
          }
          if (removed > 0) {
            try (PreparedStatement ps =
                Sql.bind(
                    c.prepareStatement(
                        "UPDATE membership_periods SET to_seq = ?"
                            + " WHERE conversation_id = ? AND user_id = ? AND to_seq IS NULL"),
                    lastSeq.orElse(0L),
                    conversationId,
                    userId)) {
              ps.executeUpdate();
            }
          }
          return removed > 0;
        });
  }

  @Override
  public boolean setHistoryVisibleToNewMembers(long conversationId, boolean visible) {
    return db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("UPDATE conversations SET history_visible = ? WHERE id = ?")) {
            ps.setBoolean(1, visible);
            ps.setLong(2, conversationId);
            return ps.executeUpdate() > 0;
          }
        });
  }

  @Override
  public List<SeqRange> visibleRanges(long conversationId, long userId) {
    return db.read(
        c ->
            Sql.query(
                c,
                "SELECT p.after_seq, p.to_seq FROM membership_periods p"
                    + " JOIN members m ON m.conversation_id = p.conversation_id"
                    + " AND m.user_id = p.user_id"
                    + " WHERE p.conversation_id = ? AND p.user_id = ? ORDER BY p.after_seq",
                JdbcConversationStore::range,
                conversationId,
                userId));
  }

  /**
   * Every period of the user's current conversations. It starts from members (members_user) and
   * reaches each period by its key: periods have no index by user (V13), and CROSS JOIN keeps
   * SQLite from starting with them.
   */
  static final String VISIBLE_RANGES_OF_USER =
      "SELECT p.conversation_id, p.after_seq, p.to_seq"
          + " FROM members m CROSS JOIN membership_periods p"
          + " WHERE m.user_id = ? AND p.conversation_id = m.conversation_id"
          + " AND p.user_id = m.user_id ORDER BY p.conversation_id, p.after_seq";

  @Override
  public Map<Long, List<SeqRange>> visibleRanges(long userId) {
    return db.read(
        c -> {
          Map<Long, List<SeqRange>> out = new HashMap<>();
          try (PreparedStatement ps = Sql.bind(c.prepareStatement(VISIBLE_RANGES_OF_USER), userId);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              long conv = rs.getLong(1);
              long after = rs.getLong(2);
              long to = rs.getLong(3);
              out.computeIfAbsent(conv, k -> new ArrayList<>())
                  .add(new SeqRange(after, rs.wasNull() ? SeqRange.OPEN : to));
            }
          }
          return out;
        });
  }

  private static SeqRange range(ResultSet rs) throws SQLException {
    long after = rs.getLong(1);
    long to = rs.getLong(2);
    return new SeqRange(after, rs.wasNull() ? SeqRange.OPEN : to);
  }

  /**
   * Opens a membership period (re-opening an empty one that started at the same seq, e.g. a member
   * removed and re-added with no message in between).
   */
  private static void openPeriod(Connection c, long conversationId, long userId, long afterSeq)
      throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(OPEN_PERIOD)) {
      Sql.bind(ps, conversationId, userId, afterSeq).executeUpdate();
    }
  }

  @Override
  public boolean setRole(long conversationId, long userId, Role role) {
    return update(
        "UPDATE members SET role = ? WHERE conversation_id = ? AND user_id = ?",
        wire(role),
        conversationId,
        userId);
  }

  @Override
  public List<Conversation> conversationsOf(long userId) {
    return db.read(
        c ->
            queryConversations(
                c,
                "SELECT c.id, c.type, c.title, c.created_at, c.last_seq, c.history_visible"
                    + " FROM conversations c"
                    + " JOIN members m ON m.conversation_id = c.id WHERE m.user_id = ?"
                    + " ORDER BY c.last_seq DESC, c.id DESC",
                userId));
  }

  @Override
  public List<Member> membershipsOf(long userId) {
    return db.read(
        c ->
            queryMembers(
                c,
                "SELECT "
                    + MEMBER_COLS
                    + " FROM members WHERE user_id = ? ORDER BY conversation_id",
                userId));
  }

  @Override
  public List<Position> advanceDelivered(List<Position> updates) {
    if (updates.isEmpty()) {
      return List.of();
    }
    return db.write(c -> PositionSql.advanceDelivered(c, updates, System.currentTimeMillis()));
  }

  @Override
  public List<Position> advanceRead(List<Position> updates) {
    if (updates.isEmpty()) {
      return List.of();
    }
    return db.write(
        c -> PositionSql.advanceRead(c, db.dialect(), updates, System.currentTimeMillis()));
  }

  private boolean update(String sql, Object... params) {
    return db.write(
        c -> {
          try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), params)) {
            return ps.executeUpdate() > 0;
          }
        });
  }

  private static void insertMember(
      Connection c, long conversationId, long userId, Role role, long now) throws SQLException {
    try (PreparedStatement ps = c.prepareStatement(INSERT_NEW_MEMBER)) {
      if (Sql.bind(ps, conversationId, userId, wire(role), now).executeUpdate() == 1) {
        openPeriod(c, conversationId, userId, 0);
      }
    }
  }

  private static List<Conversation> queryConversations(Connection c, String sql, Object... params)
      throws SQLException {
    return Sql.query(c, sql, JdbcConversationStore::conversation, params);
  }

  private static Conversation conversation(ResultSet rs) throws SQLException {
    return new Conversation(
        rs.getLong(1),
        ConversationType.valueOf(rs.getString(2).toUpperCase(Locale.ROOT)),
        rs.getString(3),
        rs.getLong(4),
        rs.getLong(5),
        rs.getBoolean(6));
  }

  private static List<Member> queryMembers(Connection c, String sql, Object... params)
      throws SQLException {
    return Sql.query(c, sql, JdbcConversationStore::member, params);
  }

  private static Member member(ResultSet rs) throws SQLException {
    return new Member(
        rs.getLong(1),
        rs.getLong(2),
        Role.fromWire(rs.getString(3)),
        rs.getLong(4),
        rs.getLong(5),
        rs.getLong(6),
        rs.getLong(7));
  }

  private static String wire(Role role) {
    return role.wire();
  }
}
