package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket client we did not write (the JDK's {@code java.net.http.WebSocket}): collects text
 * frames as JSON and the close code, so tests see exactly what the server put on the wire.
 */
final class JdkWs implements WebSocket.Listener {
  private final LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
  private final CompletableFuture<int[]> closed = new CompletableFuture<>();
  private volatile String closeReason;
  private final StringBuilder partial = new StringBuilder();
  private WebSocket ws;

  /** Connects to {@code /v1/ws} of {@code baseUrl} (http://...) with a bearer token. */
  static JdkWs connect(HttpClient http, String baseUrl, String token) throws Exception {
    JdkWs l = new JdkWs();
    l.ws =
        http.newWebSocketBuilder()
            .header("Authorization", "Bearer " + token)
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(URI.create(baseUrl.replaceFirst("^http", "ws") + "/v1/ws"), l)
            .get(10, TimeUnit.SECONDS);
    return l;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    synchronized (partial) {
      partial.append(data);
      if (last) {
        frames.add(Json.read(partial.toString(), JsonNode.class));
        partial.setLength(0);
      }
    }
    webSocket.request(1);
    return null;
  }

  @Override
  public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
    closeReason = reason;
    closed.complete(new int[] {statusCode});
    return null;
  }

  @Override
  public void onError(WebSocket webSocket, Throwable error) {
    closed.completeExceptionally(error);
  }

  void send(String text) throws Exception {
    ws.sendText(text, true).get(10, TimeUnit.SECONDS);
  }

  /** The next frame, whatever its type. */
  JsonNode next() throws InterruptedException {
    JsonNode f = frames.poll(10, TimeUnit.SECONDS);
    assertThat(f).as("a frame within 10 s").isNotNull();
    return f;
  }

  /** Skips frames until one of {@code type} arrives; returns it. */
  JsonNode next(String type) throws InterruptedException {
    while (true) {
      JsonNode f = next();
      if (type.equals(f.path("type").asText())) {
        return f;
      }
    }
  }

  /**
   * Sends {@code ping} and returns every frame that arrived before its {@code pong}: the positive
   * marker for "nothing else arrives".
   */
  List<JsonNode> untilPong() throws Exception {
    send("{\"type\":\"ping\"}");
    List<JsonNode> before = new ArrayList<>();
    while (true) {
      JsonNode f = next();
      if ("pong".equals(f.path("type").asText())) {
        return before;
      }
      before.add(f);
    }
  }

  /** The close code the server sent, waiting up to 10 s. */
  int awaitClose() throws Exception {
    return closed.get(10, TimeUnit.SECONDS)[0];
  }

  String closeReason() {
    return closeReason;
  }

  void abort() {
    ws.abort();
  }
}
