package io.parley.server.auth;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * A complete, thread-safe in-memory {@link UserStore} for tests: case-insensitive unique usernames,
 * single-use refresh tokens whose replay revokes the device. Every method is synchronized, which
 * makes rotation atomic.
 */
public final class InMemoryUserStore implements UserStore {
  private record Account(User user, String passwordHash) {}

  private record Refresh(long deviceId, long expiresAt, Long usedAt, String replacedBy) {}

  private final Map<Long, Account> accounts = new HashMap<>();
  private final Map<String, Long> byUsername = new HashMap<>();
  private final Map<Long, Device> devices = new HashMap<>();
  private final Map<String, Refresh> refreshTokens = new HashMap<>();
  private final Map<Long, Privacy> privacy = new HashMap<>();

  private static String key(String username) {
    return username.toLowerCase(Locale.ROOT);
  }

  @Override
  public synchronized User createUser(
      long userId, String username, String displayName, String passwordHash, long createdAt) {
    if (byUsername.containsKey(key(username))) {
      throw new UsernameTakenException(username);
    }
    if (accounts.containsKey(userId)) {
      throw new IllegalStateException("duplicate user id " + userId);
    }
    User u = new User(userId, username, displayName, null, null, createdAt);
    accounts.put(userId, new Account(u, passwordHash));
    byUsername.put(key(username), userId);
    return u;
  }

  @Override
  public synchronized Optional<User> findUser(long userId) {
    return Optional.ofNullable(accounts.get(userId)).map(Account::user);
  }

  @Override
  public synchronized Optional<User> findUserByUsername(String username) {
    return Optional.ofNullable(byUsername.get(key(username))).flatMap(this::findUser);
  }

  @Override
  public synchronized Optional<Credentials> credentials(String username) {
    Long id = byUsername.get(key(username));
    return id == null
        ? Optional.empty()
        : Optional.of(new Credentials(id, accounts.get(id).passwordHash()));
  }

  @Override
  public synchronized Optional<User> updateProfile(long userId, ProfilePatch patch) {
    Account a = accounts.get(userId);
    if (a == null) {
      return Optional.empty();
    }
    User u = a.user();
    User updated =
        new User(
            u.id(),
            u.username(),
            patch.displayName() != null ? patch.displayName() : u.displayName(),
            patch.about() != null ? patch.about() : u.about(),
            patch.avatarMediaId() != null ? patch.avatarMediaId() : u.avatarMediaId(),
            u.createdAt());
    accounts.put(userId, new Account(updated, a.passwordHash()));
    return Optional.of(updated);
  }

  @Override
  public synchronized Device createDevice(long deviceId, long userId, String name, long createdAt) {
    if (!accounts.containsKey(userId)) {
      throw new IllegalArgumentException("unknown user " + userId);
    }
    if (devices.containsKey(deviceId)) {
      throw new IllegalStateException("duplicate device id " + deviceId);
    }
    Device d = new Device(deviceId, userId, name, createdAt, null);
    devices.put(deviceId, d);
    return d;
  }

  @Override
  public synchronized Optional<Device> findDevice(long deviceId) {
    return Optional.ofNullable(devices.get(deviceId));
  }

  @Override
  public synchronized List<Device> devices(long userId) {
    List<Device> out = new ArrayList<>();
    for (Device d : devices.values()) {
      if (d.userId() == userId) {
        out.add(d);
      }
    }
    out.sort(Comparator.comparingLong(Device::createdAt).thenComparingLong(Device::id));
    return out;
  }

  @Override
  public synchronized void revokeDevice(long deviceId, long revokedAt) {
    Device d = devices.get(deviceId);
    if (d != null && d.active()) {
      devices.put(deviceId, new Device(d.id(), d.userId(), d.name(), d.createdAt(), revokedAt));
    }
    refreshTokens.values().removeIf(r -> r.deviceId() == deviceId);
  }

  @Override
  public synchronized void storeRefreshToken(String tokenHash, long deviceId, long expiresAt) {
    if (!devices.containsKey(deviceId)) {
      throw new IllegalArgumentException("unknown device " + deviceId);
    }
    refreshTokens.put(tokenHash, new Refresh(deviceId, expiresAt, null, null));
  }

  @Override
  public synchronized RotateResult rotateRefreshToken(
      String oldHash, String newHash, long newExpiresAt, long now, long graceMillis) {
    Refresh r = refreshTokens.get(oldHash);
    if (r == null || r.expiresAt() <= now) {
      return new RotateResult(RotateResult.Outcome.INVALID, null);
    }
    Device d = devices.get(r.deviceId());
    if (d == null || !d.active()) {
      return new RotateResult(RotateResult.Outcome.INVALID, null);
    }
    if (r.usedAt() != null) {
      Refresh next = refreshTokens.get(newHash);
      if (now - r.usedAt() <= graceMillis
          && newHash.equals(r.replacedBy())
          && next != null
          && next.usedAt() == null) {
        return new RotateResult(RotateResult.Outcome.REPEATED, d);
      }
      revokeDevice(d.id(), now);
      return new RotateResult(RotateResult.Outcome.REUSED, devices.get(d.id()));
    }
    // keep the consumed token as a marker so that a replay is recognised
    refreshTokens.put(oldHash, new Refresh(r.deviceId(), r.expiresAt(), now, newHash));
    refreshTokens.put(newHash, new Refresh(r.deviceId(), newExpiresAt, null, null));
    return new RotateResult(RotateResult.Outcome.ROTATED, d);
  }

  @Override
  public synchronized Optional<Privacy> privacy(long userId) {
    return accounts.containsKey(userId)
        ? Optional.of(privacy.getOrDefault(userId, Privacy.DEFAULT))
        : Optional.empty();
  }

  @Override
  public synchronized Optional<Privacy> updatePrivacy(
      long userId, Audience lastSeen, Audience online) {
    if (!accounts.containsKey(userId)) {
      return Optional.empty();
    }
    Privacy old = privacy.getOrDefault(userId, Privacy.DEFAULT);
    Privacy now =
        new Privacy(
            lastSeen == null ? old.lastSeen() : lastSeen, online == null ? old.online() : online);
    privacy.put(userId, now);
    return Optional.of(now);
  }
}
