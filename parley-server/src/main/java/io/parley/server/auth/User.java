package io.parley.server.auth;

/** A user account's public profile. {@code avatarMediaId} may be null. */
public record User(
    long id,
    String username,
    String displayName,
    String about,
    Long avatarMediaId,
    long createdAt) {}
