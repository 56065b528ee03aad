package io.parley.server.cluster;

/**
 * A user's presence as stored: whether online, and {@code lastSeenMs} (epoch ms): while online, the
 * last time a node confirmed it; once offline, when the user went offline (or the last
 * confirmation, if its node died); 0 if never seen. {@code previousSessionEndMs} is when the user's
 * last finished session ended (0 if none): while online, the end of the session before this one;
 * while offline, {@code lastSeenMs}.
 */
public record PresenceState(
    long userId, boolean online, long lastSeenMs, long previousSessionEndMs) {

  /** A state whose previous session ended at {@code lastSeenMs} if offline, never if online. */
  public PresenceState(long userId, boolean online, long lastSeenMs) {
    this(userId, online, lastSeenMs, online ? 0 : lastSeenMs);
  }
}
