package io.parley.server.push;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;
import java.util.Optional;

/**
 * The push token registered by each device (at most one per device). Implementations are
 * thread-safe.
 */
public interface PushTokenStore {

  /** A device's registration with a provider ({@code fcm}, {@code apns} or {@code webhook}). */
  record PushToken(long deviceId, long userId, String provider, String token) {}

  /** Stores (or replaces) the token of {@code t.deviceId()}. */
  void put(PushToken t, long now);

  /** Removes the device's token; false if it had none. */
  boolean delete(long deviceId);

  /**
   * Removes the device's token only if it is still {@code token} (a newer registration that raced
   * with a provider's "unregistered" answer survives); true if removed.
   */
  boolean deleteIfMatches(long deviceId, String token);

  Optional<PushToken> find(long deviceId);

  /**
   * Tokens of the active (not revoked) devices of {@code userIds}, read on the caller's open
   * transaction {@code tx}.
   */
  List<PushToken> ofUsers(Connection tx, Collection<Long> userIds) throws SQLException;
}
