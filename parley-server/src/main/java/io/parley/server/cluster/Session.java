package io.parley.server.cluster;

/** One connected device: which node holds its connection, and the connection's id there. */
public record Session(long userId, long deviceId, int nodeId, String connId) {}
