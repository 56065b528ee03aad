package io.parley.server.retention;

import io.parley.server.retention.RetentionListener.PurgedMessage;
import io.parley.server.store.Database;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalInt;

/**
 * Retention settings and bounded deletes, on SQLite and PostgreSQL alike (the SQL is the same in
 * both dialects, so there is one class). Every delete is one short transaction through {@link
 * Database#write} (on SQLite: the single writer connection, so it interleaves with group commits
 * instead of competing for the file lock).
 */
public final class RetentionStore {
  private final Database db;

  public RetentionStore(Database db) {
    this.db = db;
  }

  /** Sets a conversation's retention in days (0 = none of its own); false if no such one. */
  public boolean setRetentionDays(long conversationId, int days) {
    return db.write(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement("UPDATE conversations SET retention_days = ? WHERE id = ?")) {
                ps.setInt(1, days);
                ps.setLong(2, conversationId);
                return ps.executeUpdate();
              }
            })
        == 1;
  }

  /** A conversation's own retention in days, empty if there is no such conversation. */
  public OptionalInt retentionDays(long conversationId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT retention_days FROM conversations WHERE id = ?")) {
            ps.setLong(1, conversationId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? OptionalInt.of(rs.getInt(1)) : OptionalInt.empty();
            }
          }
        });
  }

  /** A conversation id with its own retention days. */
  public record ConversationRetention(long conversationId, int days) {}

  /**
   * Up to {@code limit} conversations with id above {@code afterId}, by id; only those with their
   * own retention unless {@code all}.
   */
  public List<ConversationRetention> conversations(long afterId, int limit, boolean all) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT id, retention_days FROM conversations WHERE id > ?"
                      + (all ? "" : " AND retention_days > 0")
                      + " ORDER BY id LIMIT ?")) {
            ps.setLong(1, afterId);
            ps.setInt(2, limit);
            List<ConversationRetention> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new ConversationRetention(rs.getLong(1), rs.getInt(2)));
              }
            }
            return out;
          }
        });
  }

  /**
   * Deletes, in one transaction, the messages older than {@code cutoffTs} among the {@code limit}
   * oldest (lowest seq) of the conversation, and returns them. The work is bounded by {@code limit}
   * rows of the primary key whatever the conversation's size. Fewer than {@code limit} deleted
   * means the conversation's oldest remaining message is not expired (seq and ts grow together), so
   * the caller can move on. Search index rows go with the messages (trigger / cascade).
   */
  public List<PurgedMessage> purgeOldest(long conversationId, long cutoffTs, int limit) {
    return db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "DELETE FROM messages WHERE conversation_id = ? AND ts < ? AND seq IN ("
                      + "SELECT seq FROM messages WHERE conversation_id = ? ORDER BY seq LIMIT ?)"
                      + " RETURNING message_id, seq, body")) {
            ps.setLong(1, conversationId);
            ps.setLong(2, cutoffTs);
            ps.setLong(3, conversationId);
            ps.setInt(4, limit);
            List<PurgedMessage> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new PurgedMessage(rs.getLong(1), rs.getLong(2), rs.getString(3)));
              }
            }
            return out;
          }
        });
  }
}
