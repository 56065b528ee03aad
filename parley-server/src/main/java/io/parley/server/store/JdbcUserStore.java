package io.parley.server.store;

import io.parley.server.auth.Device;
import io.parley.server.auth.ProfilePatch;
import io.parley.server.auth.User;
import io.parley.server.auth.UserStore;
import io.parley.server.auth.UsernameTakenException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * {@link UserStore} over JDBC; the SQL is the same for SQLite and PostgreSQL.
 *
 * <p>Usernames are compared through {@code username_lower} (lower-cased with {@link Locale#ROOT} in
 * Java, so both databases agree). A null display name at creation defaults to the username; a new
 * user's {@code about} is the empty string.
 *
 * <p>Refresh rotation is one transaction: the old token is consumed with a conditional {@code
 * UPDATE ... WHERE used_at IS NULL} (row-locked in PostgreSQL, serialized in SQLite), so of two
 * concurrent rotations of one token exactly one succeeds and the other is treated as reuse.
 */
public abstract class JdbcUserStore implements UserStore {
  private static final String USER_COLS =
      "id, username, display_name, about, avatar_media_id, created_at";
  private static final String DEVICE_COLS = "id, user_id, name, created_at, revoked_at";

  protected final Database db;

  protected JdbcUserStore(Database db) {
    this.db = db;
  }

  @Override
  public User createUser(
      long userId, String username, String displayName, String passwordHash, long createdAt) {
    String display = displayName == null ? username : displayName;
    int inserted =
        db.write(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "INSERT INTO users (id, username, username_lower, display_name,"
                          + " password_hash, created_at) VALUES (?, ?, ?, ?, ?, ?)"
                          + " ON CONFLICT (username_lower) DO NOTHING")) {
                return Sql.bind(
                        ps, userId, username, lower(username), display, passwordHash, createdAt)
                    .executeUpdate();
              }
            });
    if (inserted == 0) {
      throw new UsernameTakenException(username);
    }
    return new User(userId, username, display, "", null, createdAt);
  }

  @Override
  public Optional<User> findUser(long userId) {
    return db.read(c -> queryUser(c, "SELECT " + USER_COLS + " FROM users WHERE id = ?", userId));
  }

  @Override
  public Optional<User> findUserByUsername(String username) {
    return db.read(
        c ->
            queryUser(
                c,
                "SELECT " + USER_COLS + " FROM users WHERE username_lower = ?",
                lower(username)));
  }

  @Override
  public Optional<Credentials> credentials(String username) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              Sql.bind(
                  c.prepareStatement(
                      "SELECT id, password_hash FROM users WHERE username_lower = ?"),
                  lower(username))) {
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next()
                  ? Optional.of(new Credentials(rs.getLong(1), rs.getString(2)))
                  : Optional.empty();
            }
          }
        });
  }

  @Override
  public Optional<User> updateProfile(long userId, ProfilePatch patch) {
    return db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE users SET display_name = COALESCE(?, display_name),"
                      + " about = COALESCE(?, about),"
                      + " avatar_media_id = COALESCE(?, avatar_media_id)"
                      + " WHERE id = ? RETURNING "
                      + USER_COLS)) {
            Sql.setString(ps, 1, patch.displayName());
            Sql.setString(ps, 2, patch.about());
            if (patch.avatarMediaId() == null) {
              ps.setNull(3, java.sql.Types.BIGINT);
            } else {
              ps.setLong(3, patch.avatarMediaId());
            }
            ps.setLong(4, userId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(user(rs)) : Optional.<User>empty();
            }
          }
        });
  }

  @Override
  public Device createDevice(long deviceId, long userId, String name, long createdAt) {
    db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "INSERT INTO devices (id, user_id, name, created_at) VALUES (?, ?, ?, ?)")) {
            return Sql.bind(ps, deviceId, userId, name, createdAt).executeUpdate();
          }
        });
    return new Device(deviceId, userId, name, createdAt, null);
  }

  @Override
  public Optional<Device> findDevice(long deviceId) {
    return db.read(c -> findDevice(c, deviceId));
  }

  @Override
  public List<Device> devices(long userId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              Sql.bind(
                  c.prepareStatement(
                      "SELECT "
                          + DEVICE_COLS
                          + " FROM devices WHERE user_id = ? ORDER BY created_at, id"),
                  userId)) {
            try (ResultSet rs = ps.executeQuery()) {
              List<Device> out = new ArrayList<>();
              while (rs.next()) {
                out.add(device(rs));
              }
              return out;
            }
          }
        });
  }

  @Override
  public void revokeDevice(long deviceId, long revokedAt) {
    db.write(
        c -> {
          revoke(c, deviceId, revokedAt);
          return null;
        });
  }

  @Override
  public void storeRefreshToken(String tokenHash, long deviceId, long expiresAt) {
    db.write(c -> insertToken(c, tokenHash, deviceId, expiresAt));
  }

  @Override
  public RotateResult rotateRefreshToken(
      String oldHash, String newHash, long newExpiresAt, long now) {
    return db.write(
        c -> {
          Long deviceId = null;
          try (PreparedStatement ps =
              Sql.bind(
                  c.prepareStatement(
                      "UPDATE refresh_tokens SET used_at = ? WHERE token_hash = ?"
                          + " AND used_at IS NULL AND expires_at > ? AND device_id IN"
                          + " (SELECT id FROM devices WHERE revoked_at IS NULL)"
                          + " RETURNING device_id"),
                  now,
                  oldHash,
                  now)) {
            try (ResultSet rs = ps.executeQuery()) {
              if (rs.next()) {
                deviceId = rs.getLong(1);
              }
            }
          }
          if (deviceId != null) {
            insertToken(c, newHash, deviceId, newExpiresAt);
            return new RotateResult(
                RotateResult.Outcome.ROTATED, findDevice(c, deviceId).orElseThrow());
          }
          try (PreparedStatement ps =
              Sql.bind(
                  c.prepareStatement(
                      "SELECT device_id FROM refresh_tokens WHERE token_hash = ?"
                          + " AND used_at IS NOT NULL AND expires_at > ?"),
                  oldHash,
                  now)) {
            try (ResultSet rs = ps.executeQuery()) {
              if (rs.next()) {
                revoke(c, rs.getLong(1), now);
                return new RotateResult(RotateResult.Outcome.REUSED, null);
              }
            }
          }
          return new RotateResult(RotateResult.Outcome.INVALID, null);
        });
  }

  private static int insertToken(Connection c, String hash, long deviceId, long expiresAt)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO refresh_tokens (token_hash, device_id, expires_at) VALUES (?, ?, ?)")) {
      return Sql.bind(ps, hash, deviceId, expiresAt).executeUpdate();
    }
  }

  private static void revoke(Connection c, long deviceId, long revokedAt) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "UPDATE devices SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL")) {
      Sql.bind(ps, revokedAt, deviceId).executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement("DELETE FROM refresh_tokens WHERE device_id = ?")) {
      Sql.bind(ps, deviceId).executeUpdate();
    }
  }

  private static Optional<Device> findDevice(Connection c, long deviceId) throws SQLException {
    try (PreparedStatement ps =
        Sql.bind(
            c.prepareStatement("SELECT " + DEVICE_COLS + " FROM devices WHERE id = ?"), deviceId)) {
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(device(rs)) : Optional.empty();
      }
    }
  }

  private static Optional<User> queryUser(Connection c, String sql, Object key)
      throws SQLException {
    try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), key)) {
      try (ResultSet rs = ps.executeQuery()) {
        return rs.next() ? Optional.of(user(rs)) : Optional.empty();
      }
    }
  }

  private static User user(ResultSet rs) throws SQLException {
    return new User(
        rs.getLong("id"),
        rs.getString("username"),
        rs.getString("display_name"),
        rs.getString("about"),
        Sql.longOrNull(rs, "avatar_media_id"),
        rs.getLong("created_at"));
  }

  private static Device device(ResultSet rs) throws SQLException {
    return new Device(
        rs.getLong("id"),
        rs.getLong("user_id"),
        rs.getString("name"),
        rs.getLong("created_at"),
        Sql.longOrNull(rs, "revoked_at"));
  }

  private static String lower(String username) {
    return username.toLowerCase(Locale.ROOT);
  }
}
