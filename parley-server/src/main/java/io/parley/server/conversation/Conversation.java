package io.parley.server.conversation;

/**
 * A conversation. {@code title} is null for direct ones. {@code lastSeq} is the seq of its newest
 * message (0 when empty).
 */
public record Conversation(
    long id, ConversationType type, String title, long createdAt, long lastSeq) {}
