package io.parley.server.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;

/**
 * The queries that make a reconnect cost proportional to what the device missed, not to how many
 * conversations its user is in (both dialects; one statement each).
 *
 * <p>{@link #changed} finds, in one query, the conversations whose {@code last_seq} is past the
 * device's starting point; {@link #receipts} returns only the member positions that rose since the
 * device last synced ({@code members.receipt_at} against {@code devices.receipts_synced_at}, with a
 * slack that absorbs clock skew between nodes and flushes that committed while a sync ran: a
 * receipt may be sent twice, never missed), plus all positions of conversations the user joined
 * since.
 */
public final class SyncQueries {
  /** Receipt changes this much older than the device's watermark are still sent again. */
  public static final long SLACK_MS = 10_000;

  private final Database db;

  public SyncQueries(Database db) {
    this.db = db;
  }

  /** A conversation with messages past the device's starting point {@code fromSeq}. */
  public record Changed(long conversationId, long fromSeq) {}

  /** A member's current positions. */
  public record MemberPositions(
      long conversationId, long userId, long deliveredSeq, long readSeq) {}

  /**
   * The user's conversations whose last seq is past the device's starting point: its stored
   * delivered position, else where the user joined if the device is older than the membership, else
   * the larger of that and the user's delivered position.
   */
  public List<Changed> changed(long userId, long deviceId) {
    String greatest =
        db.dialect() == Database.Dialect.POSTGRES
            ? "GREATEST(m.joined_seq, m.delivered_seq)"
            : "MAX(m.joined_seq, m.delivered_seq)";
    String sql =
        "SELECT conversation_id, from_seq FROM (SELECT m.conversation_id, c.last_seq,"
            + " COALESCE(dp.delivered_seq, CASE WHEN d.created_at <= m.joined_at"
            + " THEN m.joined_seq ELSE "
            + greatest
            + " END) AS from_seq"
            + " FROM members m JOIN devices d ON d.id = ?"
            + " JOIN conversations c ON c.id = m.conversation_id"
            + " LEFT JOIN device_positions dp"
            + " ON dp.device_id = d.id AND dp.conversation_id = m.conversation_id"
            + " WHERE m.user_id = ?) AS x WHERE last_seq > from_seq ORDER BY conversation_id";
    return db.read(
        c -> Sql.query(c, sql, rs -> new Changed(rs.getLong(1), rs.getLong(2)), deviceId, userId));
  }

  /**
   * Positions of the members of the user's conversations that rose since the device last synced
   * (minus {@link #SLACK_MS}), and all positions of conversations the user joined since then.
   */
  public List<MemberPositions> receipts(long userId, long deviceId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
                  Sql.bind(
                      c.prepareStatement(
                          "SELECT o.conversation_id, o.user_id, o.delivered_seq, o.read_seq"
                              + " FROM members me JOIN devices d ON d.id = ?"
                              + " JOIN members o ON o.conversation_id = me.conversation_id"
                              + " WHERE me.user_id = ?"
                              + " AND (o.receipt_at > d.receipts_synced_at - ?"
                              + " OR me.joined_at > d.receipts_synced_at - ?)"
                              + " ORDER BY o.conversation_id, o.user_id"),
                      deviceId,
                      userId,
                      SLACK_MS,
                      SLACK_MS);
              ResultSet rs = ps.executeQuery()) {
            List<MemberPositions> out = new ArrayList<>();
            while (rs.next()) {
              out.add(
                  new MemberPositions(rs.getLong(1), rs.getLong(2), rs.getLong(3), rs.getLong(4)));
            }
            return out;
          }
        });
  }

  /** Records that the device received the receipt positions as of {@code at} (epoch ms). */
  public void markSynced(long deviceId, long at) {
    markSynced(java.util.Map.of(deviceId, at));
  }

  /**
   * Records many devices' watermarks (device id to epoch ms) in one transaction; a watermark never
   * moves back.
   */
  public void markSynced(java.util.Map<Long, Long> watermarks) {
    if (watermarks.isEmpty()) {
      return;
    }
    db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE devices SET receipts_synced_at = ?"
                      + " WHERE id = ? AND receipts_synced_at < ?")) {
            for (var e : watermarks.entrySet()) {
              Sql.bind(ps, e.getValue(), e.getKey(), e.getValue());
              ps.addBatch();
            }
            return ps.executeBatch().length;
          }
        });
  }
}
