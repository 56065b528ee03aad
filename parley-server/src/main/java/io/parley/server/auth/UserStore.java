package io.parley.server.auth;

import java.util.List;
import java.util.Optional;

/**
 * Users, their devices and their refresh tokens.
 *
 * <p>Usernames are unique case-insensitively (stored as given, compared lower-cased). Refresh
 * tokens are stored only as a hash (the caller hashes); a token is single use: {@link
 * #rotateRefreshToken} consumes it atomically. Implementations are thread-safe.
 */
public interface UserStore {

  /**
   * Creates a user with a password hash.
   *
   * @throws UsernameTakenException if the username exists
   */
  User createUser(
      long userId, String username, String displayName, String passwordHash, long createdAt);

  Optional<User> findUser(long userId);

  Optional<User> findUserByUsername(String username);

  /** The stored password hash of {@code username}, or empty if there is no such user. */
  Optional<Credentials> credentials(String username);

  /** Applies the non-null fields of {@code patch}; returns the updated user, empty if unknown. */
  Optional<User> updateProfile(long userId, ProfilePatch patch);

  Device createDevice(long deviceId, long userId, String name, long createdAt);

  Optional<Device> findDevice(long deviceId);

  /** Active and revoked devices of the user, oldest first. */
  List<Device> devices(long userId);

  /** Marks the device revoked (idempotent) and deletes all its refresh tokens. */
  void revokeDevice(long deviceId, long revokedAt);

  /** Stores a new refresh token hash for {@code deviceId}. */
  void storeRefreshToken(String tokenHash, long deviceId, long expiresAt);

  /**
   * Atomically consumes refresh token {@code oldHash} and stores {@code newHash} for the same
   * device (remembering it as the successor of {@code oldHash}); returns {@code ROTATED}.
   *
   * <p>If {@code oldHash} was already used:
   *
   * <ul>
   *   <li>when it was used at most {@code graceMillis} before {@code now}, its successor is {@code
   *       newHash} and that successor is still unused, the call repeats the latest rotation (two
   *       clients racing with one token): {@code REPEATED}, nothing changes;
   *   <li>otherwise it is a replayed, possibly stolen token: the whole device is revoked and {@code
   *       REUSED} returned.
   * </ul>
   *
   * Expired, unknown or revoked-device tokens give {@code INVALID} and change nothing. Concurrent
   * calls for one device are serialized (the device row is locked first).
   */
  RotateResult rotateRefreshToken(
      String oldHash, String newHash, long newExpiresAt, long now, long graceMillis);

  /** The user's presence privacy, or empty if there is no such user. */
  Optional<Privacy> privacy(long userId);

  /**
   * Sets the non-null parts of the user's presence privacy; returns the result, empty if the user
   * is unknown.
   */
  Optional<Privacy> updatePrivacy(long userId, Audience lastSeen, Audience online);

  /** The stored login credentials of a user. */
  record Credentials(long userId, String passwordHash) {}

  /**
   * Result of {@link #rotateRefreshToken}; {@code device} is set unless {@code INVALID} (after
   * {@code REUSED} it is the device as revoked).
   */
  record RotateResult(Outcome outcome, Device device) {
    public enum Outcome {
      ROTATED,
      REPEATED,
      REUSED,
      INVALID
    }
  }
}
