package io.parley.server.store;

import io.parley.server.keys.KeyStore;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * {@link KeyStore} over JDBC. A one-time prekey is claimed with one {@code DELETE ... RETURNING}
 * (SQLite 3.35+ and PostgreSQL), so it leaves the table in the same statement that hands it out;
 * subclasses give the locking clause of the sub-select that picks it.
 */
public abstract class JdbcKeyStore implements KeyStore {
  protected final Database db;

  protected JdbcKeyStore(Database db) {
    this.db = db;
  }

  /** The key store of {@code db}'s dialect. */
  public static KeyStore of(Database db) {
    return switch (db.dialect()) {
      case SQLITE -> new SqliteKeyStore(db);
      case POSTGRES -> new PostgresKeyStore(db);
    };
  }

  /** Appended to the sub-select choosing the prekey to claim. */
  protected abstract String lockClause();

  @Override
  public UploadResult upload(
      long userId,
      long deviceId,
      String identityKey,
      SignedPreKey spk,
      List<PreKey> oneTime,
      int maxPerDevice,
      long now) {
    return db.write(
        c -> {
          Optional<String> oldIdentity =
              Sql.queryOne(
                  c,
                  "SELECT identity_key FROM device_keys WHERE device_id = ?"
                      + (lockClause().isEmpty() ? "" : " FOR UPDATE"),
                  rs -> rs.getString(1),
                  deviceId);
          if (oldIdentity.isPresent() && !oldIdentity.get().equals(identityKey)) {
            update(c, "DELETE FROM one_time_prekeys WHERE device_id = ?", deviceId);
          }
          update(
              c,
              "INSERT INTO device_keys (device_id, user_id, identity_key, signed_prekey_id,"
                  + " signed_prekey, signature, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?)"
                  + " ON CONFLICT (device_id) DO UPDATE SET identity_key = excluded.identity_key,"
                  + " signed_prekey_id = excluded.signed_prekey_id,"
                  + " signed_prekey = excluded.signed_prekey, signature = excluded.signature,"
                  + " updated_at = excluded.updated_at",
              deviceId,
              userId,
              identityKey,
              spk.keyId(),
              spk.publicKey(),
              spk.signature(),
              now);
          if (!oneTime.isEmpty()) {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "INSERT INTO one_time_prekeys (device_id, key_id, public_key) VALUES (?, ?, ?)"
                        + " ON CONFLICT (device_id, key_id) DO UPDATE"
                        + " SET public_key = excluded.public_key")) {
              for (PreKey k : oneTime) {
                Sql.bind(ps, deviceId, k.keyId(), k.publicKey()).addBatch();
              }
              ps.executeBatch();
            }
          }
          int count = count(c, deviceId);
          if (count > maxPerDevice) {
            // roll back everything this upload did
            c.rollback();
            return new UploadResult(false, count(c, deviceId));
          }
          return new UploadResult(true, count);
        });
  }

  @Override
  public List<Bundle> fetch(long userId) {
    return db.write(
        c -> {
          List<Bundle> heads =
              Sql.query(
                  c,
                  "SELECT k.device_id, k.identity_key, k.signed_prekey_id, k.signed_prekey,"
                      + " k.signature FROM device_keys k JOIN devices d ON d.id = k.device_id"
                      + " WHERE k.user_id = ? AND d.revoked_at IS NULL ORDER BY k.device_id",
                  rs ->
                      new Bundle(
                          rs.getLong(1),
                          rs.getString(2),
                          new SignedPreKey(rs.getLong(3), rs.getString(4), rs.getString(5)),
                          null,
                          0),
                  userId);
          List<Bundle> out = new ArrayList<>(heads.size());
          for (Bundle b : heads) {
            Optional<PreKey> claimed =
                Sql.queryOne(
                    c,
                    "DELETE FROM one_time_prekeys WHERE device_id = ? AND key_id = ("
                        + "SELECT key_id FROM one_time_prekeys WHERE device_id = ?"
                        + " ORDER BY key_id LIMIT 1"
                        + lockClause()
                        + ") RETURNING key_id, public_key",
                    rs -> new PreKey(rs.getLong(1), rs.getString(2)),
                    b.deviceId(),
                    b.deviceId());
            out.add(
                new Bundle(
                    b.deviceId(),
                    b.identityKey(),
                    b.signedPreKey(),
                    claimed.orElse(null),
                    count(c, b.deviceId())));
          }
          return out;
        });
  }

  @Override
  public int remaining(long deviceId) {
    return db.read(c -> count(c, deviceId));
  }

  private static int count(Connection c, long deviceId) throws SQLException {
    return Sql.queryOne(
            c,
            "SELECT COUNT(*) FROM one_time_prekeys WHERE device_id = ?",
            rs -> rs.getInt(1),
            deviceId)
        .orElse(0);
  }

  private static void update(Connection c, String sql, Object... params) throws SQLException {
    try (PreparedStatement ps = Sql.bind(c.prepareStatement(sql), params)) {
      ps.executeUpdate();
    }
  }
}
