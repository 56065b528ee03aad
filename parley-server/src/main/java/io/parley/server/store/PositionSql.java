package io.parley.server.store;

import io.parley.server.conversation.model.Position;
import io.parley.server.messaging.MessageStore.PositionUpdates;
import io.parley.server.messaging.MessageStore.RaisedPositions;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;

/**
 * The statements that raise delivered/read positions, inside a caller's open transaction: the
 * device positions of {@link JdbcMessageStore} and the member positions of {@link
 * JdbcConversationStore}, which the group-commit writer also runs in its message transaction.
 * Positions only rise ({@code WHERE old < new}); a member position that rises stamps {@code
 * receipt_at} (the reconnect watermark reads it).
 */
final class PositionSql {
  private PositionSql() {}

  /** Raises device positions ({@code ownerId} = device). */
  static void advanceDevices(Connection c, List<Position> updates) throws SQLException {
    batch(
        c,
        "INSERT INTO device_positions (device_id, conversation_id, delivered_seq)"
            + " VALUES (?, ?, ?) ON CONFLICT (device_id, conversation_id) DO UPDATE"
            + " SET delivered_seq = excluded.delivered_seq"
            + " WHERE device_positions.delivered_seq < excluded.delivered_seq",
        updates,
        p -> new Object[] {p.ownerId(), p.conversationId(), p.seq()});
  }

  /** Raises members' delivered positions; returns the updates that raised one. */
  static List<Position> advanceDelivered(Connection c, List<Position> updates, long now)
      throws SQLException {
    return batch(
        c,
        "UPDATE members SET delivered_seq = ?, receipt_at = ?"
            + " WHERE conversation_id = ? AND user_id = ? AND delivered_seq < ?",
        updates,
        p -> new Object[] {p.seq(), now, p.conversationId(), p.ownerId(), p.seq()});
  }

  /** Raises members' read positions (and delivered, which read implies); returns those raised. */
  static List<Position> advanceRead(
      Connection c, Database.Dialect dialect, List<Position> updates, long now)
      throws SQLException {
    String greatest = dialect == Database.Dialect.SQLITE ? "MAX" : "GREATEST";
    return batch(
        c,
        "UPDATE members SET read_seq = ?, receipt_at = ?, delivered_seq = "
            + greatest
            + "(delivered_seq, ?) WHERE conversation_id = ? AND user_id = ? AND read_seq < ?",
        updates,
        p -> new Object[] {p.seq(), now, p.seq(), p.conversationId(), p.ownerId(), p.seq()});
  }

  /** All three kinds, in the order device, delivered, read. */
  static RaisedPositions advance(Connection c, Database.Dialect dialect, PositionUpdates u)
      throws SQLException {
    if (u.isEmpty()) {
      return RaisedPositions.NONE;
    }
    long now = System.currentTimeMillis();
    advanceDevices(c, u.devices());
    return new RaisedPositions(
        advanceDelivered(c, u.delivered(), now), advanceRead(c, dialect, u.read(), now));
  }

  /**
   * Runs {@code sql} once per update as one JDBC batch; returns the updates whose statement changed
   * a row (all of them if the driver cannot tell).
   */
  private static List<Position> batch(
      Connection c, String sql, List<Position> updates, Function<Position, Object[]> params)
      throws SQLException {
    if (updates.isEmpty()) {
      return List.of();
    }
    try (PreparedStatement ps = c.prepareStatement(sql)) {
      for (Position u : updates) {
        Sql.bind(ps, params.apply(u)).addBatch();
      }
      int[] counts = ps.executeBatch();
      List<Position> changed = new ArrayList<>();
      for (int i = 0; i < counts.length; i++) {
        if (counts[i] > 0 || counts[i] == Statement.SUCCESS_NO_INFO) {
          changed.add(updates.get(i));
        }
      }
      return changed;
    }
  }
}
