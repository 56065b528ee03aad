package io.parley.server.messaging;

/**
 * A message to append; the store assigns its {@code seq}. {@code clientMsgId} is unique per sender
 * (idempotency key); system messages use a server-made key.
 */
public record NewMessage(
    long messageId,
    long conversationId,
    long senderId,
    long senderDeviceId,
    String clientMsgId,
    long ts,
    String bodyJson) {}
