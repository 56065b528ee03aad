package io.parley.server.conversation.model;

/**
 * A cumulative position update: {@code ownerId} (a user, or a device for device positions) has
 * reached {@code seq} in a conversation.
 */
public record Position(long ownerId, long conversationId, long seq) {}
