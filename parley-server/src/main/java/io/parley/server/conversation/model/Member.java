package io.parley.server.conversation.model;

/**
 * A user's membership. {@code joinedSeq} is the conversation's last seq when the user joined (the
 * default delivery position of the user's devices); {@code deliveredSeq} and {@code readSeq} are
 * the user's cumulative receipt positions (never decrease).
 */
public record Member(
    long conversationId,
    long userId,
    Role role,
    long joinedAt,
    long joinedSeq,
    long deliveredSeq,
    long readSeq) {}
