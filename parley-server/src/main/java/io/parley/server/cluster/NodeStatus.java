package io.parley.server.cluster;

/**
 * What a node announces about itself: where clients reach its WebSocket, how many connections it
 * holds (its load) and whether it is ready to take more (false while starting or draining).
 */
public record NodeStatus(int nodeId, String wsUrl, int connections, boolean ready) {}
