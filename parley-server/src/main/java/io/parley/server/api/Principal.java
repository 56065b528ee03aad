package io.parley.server.api;

/** The authenticated caller of a request or connection: a user and one of its devices. */
public record Principal(long userId, long deviceId) {}
