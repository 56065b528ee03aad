package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Frames;
import io.parley.protocol.MessageView;

/**
 * Callbacks for server frames of a {@link ParleyClient}. All methods default to no-ops. They run on
 * the client's Vert.x event loop: never block in them.
 */
public interface ParleyListener {
  /** Every frame, raw, before the typed callback. */
  default void onFrame(JsonNode frame) {}

  default void onHello(Frames.Hello hello) {}

  /** A message not seen before by this client (redelivered {@code message_id}s are dropped). */
  default void onMessage(MessageView message) {}

  default void onAck(Frames.Ack ack) {}

  default void onReceipt(Frames.Receipt receipt) {}

  default void onTyping(Frames.Typing typing) {}

  default void onPresence(Frames.Presence presence) {}

  default void onConversation(Frames.Conversation conversation) {}

  default void onSynced() {}

  default void onPong() {}

  default void onError(Frames.Error error) {}

  /** The node is draining; with auto-reconnect the client reconnects after the given delay. */
  default void onReconnect(Frames.Reconnect reconnect) {}

  /** A frame with an unknown {@code type}, or one that could not be parsed. */
  default void onUnknown(JsonNode frame) {}

  /** The socket closed; {@code code} is 1006 when the connection dropped without a close frame. */
  default void onClose(int code, String reason) {}
}
