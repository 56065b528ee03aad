package io.parley.server.store;

import io.parley.server.push.PushTokenStore;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/** {@link PushTokenStore} over JDBC; the SQL is the same in both dialects. */
public abstract class JdbcPushTokenStore implements PushTokenStore {
  private static final int CHUNK = 500;
  protected final Database db;

  protected JdbcPushTokenStore(Database db) {
    this.db = db;
  }

  /** The push token store of {@code db}'s dialect. */
  public static PushTokenStore of(Database db) {
    return switch (db.dialect()) {
      case SQLITE -> new SqlitePushTokenStore(db);
      case POSTGRES -> new PostgresPushTokenStore(db);
    };
  }

  @Override
  public void put(PushToken t, long now) {
    db.write(
        c ->
            update(
                c,
                "INSERT INTO push_tokens (device_id, user_id, provider, token, updated_at)"
                    + " VALUES (?, ?, ?, ?, ?) ON CONFLICT (device_id) DO UPDATE"
                    + " SET provider = excluded.provider, token = excluded.token,"
                    + " updated_at = excluded.updated_at",
                t.deviceId(),
                t.userId(),
                t.provider(),
                t.token(),
                now));
  }

  @Override
  public boolean delete(long deviceId) {
    return db.write(c -> update(c, "DELETE FROM push_tokens WHERE device_id = ?", deviceId) > 0);
  }

  @Override
  public boolean deleteIfMatches(long deviceId, String token) {
    return db.write(
        c ->
            update(c, "DELETE FROM push_tokens WHERE device_id = ? AND token = ?", deviceId, token)
                > 0);
  }

  @Override
  public Optional<PushToken> find(long deviceId) {
    return db.read(
        c ->
            Sql.queryOne(
                c,
                "SELECT device_id, user_id, provider, token FROM push_tokens WHERE device_id = ?",
                JdbcPushTokenStore::token,
                deviceId));
  }

  @Override
  public List<PushToken> ofUsers(Connection tx, Collection<Long> userIds) throws SQLException {
    List<Long> ids = new ArrayList<>(userIds);
    List<PushToken> out = new ArrayList<>();
    for (int from = 0; from < ids.size(); from += CHUNK) {
      List<Long> chunk = ids.subList(from, Math.min(ids.size(), from + CHUNK));
      out.addAll(
          Sql.query(
              tx,
              "SELECT t.device_id, t.user_id, t.provider, t.token FROM push_tokens t"
                  + " JOIN devices d ON d.id = t.device_id"
                  + " WHERE d.revoked_at IS NULL AND t.user_id IN ("
                  + Sql.repeat("?", chunk.size())
                  + ")",
              JdbcPushTokenStore::token,
              chunk.toArray()));
    }
    return out;
  }

  private static int update(Connection c, String sql, Object... params) throws SQLException {
    try (var ps = Sql.bind(c.prepareStatement(sql), params)) {
      return ps.executeUpdate();
    }
  }

  private static PushToken token(ResultSet rs) throws SQLException {
    return new PushToken(rs.getLong(1), rs.getLong(2), rs.getString(3), rs.getString(4));
  }
}
