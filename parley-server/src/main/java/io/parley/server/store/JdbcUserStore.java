package io.parley.server.store;

import io.parley.server.auth.Audience;
import io.parley.server.auth.Device;
import io.parley.server.auth.Privacy;
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
 * <p>Refresh rotation and revocation are single transactions that first lock the device row ({@link
 * #forUpdate}; SQLite's single writer serializes them anyway) and only then touch its tokens, so
 * concurrent rotations of one token cannot deadlock: exactly one succeeds and the later ones see a
 * used token, i.e. a replay, which revokes the device.
 */
public abstract class JdbcUserStore implements UserStore {
  private static final String USER_COLS =
      "id, username, display_name, about, avatar_media_id, created_at";
  private static final String DEVICE_COLS = "id, user_id, name, created_at, revoked_at";

  private static final RotateResult INVALID = new RotateResult(RotateResult.Outcome.INVALID, null);

  protected final Database db;

  protected JdbcUserStore(Database db) {
    this.db = db;
  }

  /**
   * Suffix of a {@code SELECT} that row-locks what it reads until commit, or "" where the single
   * writer already serializes write transactions.
   */
  protected abstract String forUpdate();

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
      String oldHash, String newHash, long newExpiresAt, long now, long graceMillis) {
    return db.write(
        c -> {
          Long deviceId = tokenDevice(c, oldHash);
          if (deviceId == null) {
            return INVALID;
          }
          // lock order everywhere: device row first, then its tokens (no deadlocks in PostgreSQL)
          Device device = lockDevice(c, deviceId);
          if (device == null || !device.active()) {
            return INVALID;
          }
          Optional<Token> old = token(c, oldHash);
          if (old.isEmpty() || old.get().expiresAt() <= now) {
            return INVALID;
          }
          Long usedAt = old.get().usedAt();
          if (usedAt != null) {
            if (now - usedAt <= graceMillis && newHash.equals(old.get().replacedBy())) {
              Optional<Token> next = token(c, newHash);
              if (next.isPresent() && next.get().usedAt() == null) {
                return new RotateResult(RotateResult.Outcome.REPEATED, device);
              }
            }
            revokeLocked(c, deviceId, now);
            return new RotateResult(
                RotateResult.Outcome.REUSED,
                new Device(device.id(), device.userId(), device.name(), device.createdAt(), now));
          }
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE refresh_tokens SET used_at = ?, replaced_by = ? WHERE token_hash = ?")) {
            Sql.bind(ps, now, newHash, oldHash).executeUpdate();
          }
          insertToken(c, newHash, deviceId, newExpiresAt);
          return new RotateResult(RotateResult.Outcome.ROTATED, device);
        });
  }

  /** A stored refresh token's state. */
  private record Token(long expiresAt, Long usedAt, String replacedBy) {}

  private static Optional<Token> token(Connection c, String hash) throws SQLException {
    return Sql.queryOne(
        c,
        "SELECT expires_at, used_at, replaced_by FROM refresh_tokens WHERE token_hash = ?",
        rs ->
            new Token(
                rs.getLong("expires_at"),
                Sql.longOrNull(rs, "used_at"),
                rs.getString("replaced_by")),
        hash);
  }

  @Override
  public Optional<Privacy> privacy(long userId) {
    return db.read(
        c ->
            Sql.queryOne(
                c,
                "SELECT last_seen_visibility, online_visibility FROM users WHERE id = ?",
                JdbcUserStore::privacy,
                userId));
  }

  @Override
  public Optional<Privacy> updatePrivacy(long userId, Audience lastSeen, Audience online) {
    return db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "UPDATE users SET last_seen_visibility = COALESCE(?, last_seen_visibility),"
                      + " online_visibility = COALESCE(?, online_visibility)"
                      + " WHERE id = ? RETURNING last_seen_visibility, online_visibility")) {
            Sql.setString(ps, 1, lastSeen == null ? null : lastSeen.wire());
            Sql.setString(ps, 2, online == null ? null : online.wire());
            ps.setLong(3, userId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(privacy(rs)) : Optional.<Privacy>empty();
            }
          }
        });
  }

  private static Privacy privacy(ResultSet rs) throws SQLException {
    return new Privacy(Audience.fromWire(rs.getString(1)), Audience.fromWire(rs.getString(2)));
  }

  private static Long tokenDevice(Connection c, String hash) throws SQLException {
    try (PreparedStatement ps =
            Sql.bind(
                c.prepareStatement("SELECT device_id FROM refresh_tokens WHERE token_hash = ?"),
                hash);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? rs.getLong(1) : null;
    }
  }

  /** Reads the device, row-locking it until the transaction ends where the dialect needs it. */
  private Device lockDevice(Connection c, long deviceId) throws SQLException {
    try (PreparedStatement ps =
            Sql.bind(
                c.prepareStatement(
                    "SELECT " + DEVICE_COLS + " FROM devices WHERE id = ?" + forUpdate()),
                deviceId);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? device(rs) : null;
    }
  }

  private static int insertToken(Connection c, String hash, long deviceId, long expiresAt)
      throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO refresh_tokens (token_hash, device_id, expires_at) VALUES (?, ?, ?)")) {
      return Sql.bind(ps, hash, deviceId, expiresAt).executeUpdate();
    }
  }

  private void revoke(Connection c, long deviceId, long revokedAt) throws SQLException {
    lockDevice(c, deviceId);
    revokeLocked(c, deviceId, revokedAt);
  }

  private static void revokeLocked(Connection c, long deviceId, long revokedAt)
      throws SQLException {
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
    return Sql.queryOne(
        c, "SELECT " + DEVICE_COLS + " FROM devices WHERE id = ?", JdbcUserStore::device, deviceId);
  }

  private static Optional<User> queryUser(Connection c, String sql, Object key)
      throws SQLException {
    return Sql.queryOne(c, sql, JdbcUserStore::user, key);
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
