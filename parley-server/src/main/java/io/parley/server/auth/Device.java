package io.parley.server.auth;

/** One login of a user (multi-device). {@code revokedAt} is null while the device is active. */
public record Device(long id, long userId, String name, long createdAt, Long revokedAt) {
  public boolean active() {
    return revokedAt == null;
  }
}
