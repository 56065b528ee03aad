package io.parley.server.cluster.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/** A JDK WebSocket client (one we did not write) keeping every frame it receives. */
final class WsClient implements WebSocket.Listener {
  final List<JsonNode> frames = new CopyOnWriteArrayList<>();
  final CompletableFuture<Integer> closed = new CompletableFuture<>();
  private final StringBuilder partial = new StringBuilder();
  private volatile WebSocket ws;

  static WsClient connect(String base, String token) throws Exception {
    WsClient c = new WsClient();
    c.ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(
                URI.create(base.replace("http://", "ws://") + "/v1/ws?access_token=" + token), c)
            .get(15, TimeUnit.SECONDS);
    return c;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      try {
        frames.add(Json.MAPPER.readTree(partial.toString()));
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      partial.setLength(0);
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closed.complete(statusCode);
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.complete(-1);
  }

  synchronized void send(String json) {
    ws.sendText(json, true).join();
  }

  void send(String clientMsgId, long conversationId, String text) {
    send(
        "{\"type\":\"send\",\"client_msg_id\":\""
            + clientMsgId
            + "\",\"conversation_id\":\""
            + conversationId
            + "\",\"body\":{\"kind\":\"text\",\"text\":\""
            + text
            + "\"}}");
  }

  List<JsonNode> ofType(String type) {
    return frames.stream().filter(f -> f.path("type").asText().equals(type)).toList();
  }

  /** Message frames of one conversation, in arrival order. */
  List<JsonNode> messages(long conversationId) {
    return ofType("message").stream()
        .map(f -> f.get("message"))
        .filter(m -> m.path("conversation_id").asLong() == conversationId)
        .toList();
  }

  boolean isClosed() {
    return closed.isDone();
  }

  void abort() {
    if (ws != null) {
      ws.abort();
    }
  }
}
