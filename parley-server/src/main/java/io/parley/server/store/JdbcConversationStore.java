package io.parley.server.store;

import io.parley.server.conversation.Conversation;
import io.parley.server.conversation.ConversationStore;
import io.parley.server.conversation.ConversationType;
import io.parley.server.conversation.Member;
import io.parley.server.conversation.Position;
import io.parley.server.conversation.Role;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@link ConversationStore} over JDBC; subclasses supply the few dialect-specific SQL fragments.
 *
 * <p>A direct conversation is keyed by {@code direct_key = "min:max"} (unique): {@link
 * #getOrCreateDirect} inserts with {@code ON CONFLICT DO NOTHING} and then selects, so concurrent
 * calls for one pair, even on different nodes, yield one conversation. Members added later get
 * {@code joinedSeq = deliveredSeq = readSeq =} the conversation's current last seq (they do not
 * receive, and are not counted as unread for, earlier messages). Receipt positions only rise;
 * callers validate that a position does not exceed the conversation's last seq.
 */
public abstract class JdbcConversationStore implements ConversationStore {
  private static final String CONV_COLS = "id, type, title, created_at, last_seq";
  private static final String MEMBER_COLS =
      "conversation_id, user_id, role, joined_at, joined_seq, delivered_seq, read_seq";

  protected final Database db;

  protected JdbcConversationStore(Database db) {
    this.db = db;
  }

  /** SQL for the larger of two BIGINT expressions. */
  protected abstract String greatest(String a, String b);

  @Override
  public Conversation getOrCreateDirect(long newId, long userA, long userB, long now) {
    String key = Math.min(userA, userB) + ":" + Math.max(userA, userB);
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
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO members ("
                      + MEMBER_COLS
                      + ") SELECT id, ?, ?, ?, last_seq, last_seq, last_seq FROM conversations"
                      + " WHERE id = ? ON CONFLICT (conversation_id, user_id) DO NOTHING")) {
            for (long user : new LinkedHashSet<>(userIds)) {
              if (Sql.bind(ps, user, wire(role), now, conversationId).executeUpdate() == 1) {
                added.add(user);
              }
            }
          }
          return added;
        });
  }

  @Override
  public boolean removeMember(long conversationId, long userId) {
    return update(
        "DELETE FROM members WHERE conversation_id = ? AND user_id = ?", conversationId, userId);
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
                "SELECT c.id, c.type, c.title, c.created_at, c.last_seq FROM conversations c"
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
    return Sql.batchAdvance(
        db,
        "UPDATE members SET delivered_seq = ?"
            + " WHERE conversation_id = ? AND user_id = ? AND delivered_seq < ?",
        updates,
        p -> new Object[] {p.seq(), p.conversationId(), p.ownerId(), p.seq()});
  }

  @Override
  public List<Position> advanceRead(List<Position> updates) {
    return Sql.batchAdvance(
        db,
        "UPDATE members SET read_seq = ?, delivered_seq = "
            + greatest("delivered_seq", "?")
            + " WHERE conversation_id = ? AND user_id = ? AND read_seq < ?",
        updates,
        p -> new Object[] {p.seq(), p.seq(), p.conversationId(), p.ownerId(), p.seq()});
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
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO members ("
                + MEMBER_COLS
                + ") VALUES (?, ?, ?, ?, 0, 0, 0) ON CONFLICT (conversation_id, user_id) DO NOTHING")) {
      Sql.bind(ps, conversationId, userId, wire(role), now).executeUpdate();
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
        rs.getLong(5));
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
