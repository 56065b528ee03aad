package io.parley.server.auth;

/** A partial profile update: null fields are left unchanged. */
public record ProfilePatch(String displayName, String about, Long avatarMediaId) {}
