package io.parley.server.cluster;

/**
 * A user's presence as stored: whether online, and {@code lastSeenMs} (epoch ms): while online, the
 * last time a node confirmed it; once offline, when the user went offline (or the last
 * confirmation, if its node died); 0 if never seen.
 */
public record PresenceState(long userId, boolean online, long lastSeenMs) {}
