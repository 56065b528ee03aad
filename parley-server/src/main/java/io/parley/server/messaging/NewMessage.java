package io.parley.server.messaging;

/**
 * A message to append; the store assigns its {@code seq}. {@code clientMsgId} is unique per sender
 * (idempotency key); system messages use a server-made key.
 *
 * <p>{@code directWith} is 0, or the recipient of a send by {@code to_user_id} whose direct
 * conversation was not known to this node: the store then resolves the pair's conversation in the
 * append transaction, creating it with id {@code conversationId} if the pair has none yet (and
 * failing with {@link UnknownRecipientException} if the recipient does not exist).
 */
public record NewMessage(
    long messageId,
    long conversationId,
    long senderId,
    long senderDeviceId,
    String clientMsgId,
    long ts,
    String bodyJson,
    long directWith) {

  public NewMessage(
      long messageId,
      long conversationId,
      long senderId,
      long senderDeviceId,
      String clientMsgId,
      long ts,
      String bodyJson) {
    this(messageId, conversationId, senderId, senderDeviceId, clientMsgId, ts, bodyJson, 0);
  }

  /** This message in conversation {@code id} (a resolved direct conversation). */
  public NewMessage inConversation(long id) {
    return new NewMessage(messageId, id, senderId, senderDeviceId, clientMsgId, ts, bodyJson, 0);
  }
}
