package io.parley.server.messaging;

/**
 * A durably stored message. {@code bodyJson} is the body object as compact JSON text, exactly as it
 * goes on the wire.
 */
public record StoredMessage(
    long messageId,
    long conversationId,
    long seq,
    long senderId,
    long senderDeviceId,
    String clientMsgId,
    long ts,
    String bodyJson) {}
