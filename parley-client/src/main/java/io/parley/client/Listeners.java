package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Fans callbacks out to registered listeners; a failing listener is logged, not propagated. */
final class Listeners implements ParleyListener {
  private static final Logger LOG = LoggerFactory.getLogger(Listeners.class);

  private final List<ParleyListener> list = new CopyOnWriteArrayList<>();

  void add(ParleyListener l) {
    list.add(l);
  }

  void remove(ParleyListener l) {
    list.remove(l);
  }

  /**
   * Decodes and announces the frames that need no client-side state change; returns false when
   * {@code frame} is not one of them.
   */
  boolean announce(JsonNode frame) throws IOException {
    switch (frame.path("type").asText()) {
      case "receipt" -> onReceipt(Json.MAPPER.treeToValue(frame, Frames.Receipt.class));
      case "typing" -> onTyping(Json.MAPPER.treeToValue(frame, Frames.Typing.class));
      case "presence" -> onPresence(Json.MAPPER.treeToValue(frame, Frames.Presence.class));
      case "conversation" ->
          onConversation(Json.MAPPER.treeToValue(frame, Frames.Conversation.class));
      case "pong" -> onPong();
      default -> {
        return false;
      }
    }
    return true;
  }

  private void each(Consumer<ParleyListener> call) {
    for (ParleyListener l : list) {
      try {
        call.accept(l);
      } catch (RuntimeException e) {
        LOG.warn("listener failed", e);
      }
    }
  }

  @Override
  public void onFrame(JsonNode frame) {
    each(l -> l.onFrame(frame));
  }

  @Override
  public void onHello(Frames.Hello hello) {
    each(l -> l.onHello(hello));
  }

  @Override
  public void onMessage(MessageView message) {
    each(l -> l.onMessage(message));
  }

  @Override
  public void onAck(Frames.Ack ack) {
    each(l -> l.onAck(ack));
  }

  @Override
  public void onReceipt(Frames.Receipt receipt) {
    each(l -> l.onReceipt(receipt));
  }

  @Override
  public void onTyping(Frames.Typing typing) {
    each(l -> l.onTyping(typing));
  }

  @Override
  public void onPresence(Frames.Presence presence) {
    each(l -> l.onPresence(presence));
  }

  @Override
  public void onConversation(Frames.Conversation conversation) {
    each(l -> l.onConversation(conversation));
  }

  @Override
  public void onSynced() {
    each(ParleyListener::onSynced);
  }

  @Override
  public void onPong() {
    each(ParleyListener::onPong);
  }

  @Override
  public void onError(Frames.Error error) {
    each(l -> l.onError(error));
  }

  @Override
  public void onReconnect(Frames.Reconnect reconnect) {
    each(l -> l.onReconnect(reconnect));
  }

  @Override
  public void onUnknown(JsonNode frame) {
    each(l -> l.onUnknown(frame));
  }

  @Override
  public void onClose(int code, String reason) {
    each(l -> l.onClose(code, reason));
  }
}
