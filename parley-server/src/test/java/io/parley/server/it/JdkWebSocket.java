package io.parley.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;

/**
 * A {@code java.net.http.WebSocket} client (no compression) that records the frames it gets and
 * reads with explicit demand: {@link #pause()} stops requesting (the JDK then stops reading the
 * socket), {@link #resume()} starts again. It never sends anything unless told to.
 */
public final class JdkWebSocket implements WebSocket.Listener {
  public final List<JsonNode> frames = new CopyOnWriteArrayList<>();
  final List<Long> seqs = new CopyOnWriteArrayList<>();

  /** {@code System.nanoTime()} at which each message_id first arrived. */
  public final Map<Long, Long> messageArrivals = new ConcurrentHashMap<>();

  public final CompletableFuture<Integer> closed = new CompletableFuture<>();
  volatile long syncedAtNanos;
  private final StringBuilder partial = new StringBuilder();
  private volatile boolean paused;
  private volatile boolean owed;
  private volatile WebSocket ws;

  static JdkWebSocket connect(int port, String token) throws Exception {
    return connect("http://127.0.0.1:" + port, token, Duration.ofSeconds(10));
  }

  /** Connects to {@code /v1/ws} of the node (or load balancer) at {@code httpBase}. */
  public static JdkWebSocket connect(String httpBase, String token, Duration timeout)
      throws Exception {
    JdkWebSocket l = new JdkWebSocket();
    l.ws =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .connectTimeout(Duration.ofSeconds(10))
            .buildAsync(
                URI.create(httpBase.replace("http://", "ws://") + "/v1/ws?access_token=" + token),
                l)
            .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    return l;
  }

  WebSocket ws() {
    return ws;
  }

  @Override
  public void onOpen(WebSocket webSocket) {
    webSocket.request(1);
  }

  @Override
  public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
    partial.append(data);
    if (last) {
      JsonNode f;
      try {
        f = Json.MAPPER.readTree(partial.toString());
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
      partial.setLength(0);
      frames.add(f);
      String type = f.path("type").asText();
      if (type.equals("message")) {
        seqs.add(f.path("message").path("seq").asLong());
        messageArrivals.putIfAbsent(
            f.path("message").path("message_id").asLong(), System.nanoTime());
      } else if (type.equals("synced")) {
        syncedAtNanos = System.nanoTime();
      }
    }
    demand(webSocket);
    return null;
  }

  @Override
  public CompletionStage<?> onPing(WebSocket webSocket, ByteBuffer message) {
    demand(webSocket);
    return null;
  }

  @Override
  public CompletionStage<?> onPong(WebSocket webSocket, ByteBuffer message) {
    demand(webSocket);
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

  private void demand(WebSocket webSocket) {
    if (paused) {
      owed = true;
    } else {
      webSocket.request(1);
    }
  }

  /** Stops reading: no more demand, so the JDK stops reading the socket. */
  void pause() {
    paused = true;
  }

  void resume() {
    paused = false;
    if (owed) {
      owed = false;
      ws.request(1);
    }
  }

  boolean synced() {
    return syncedAtNanos != 0;
  }

  public long count(String type) {
    return frames.stream().filter(f -> f.path("type").asText().equals(type)).count();
  }

  /** Closes the WebSocket normally (1000) and waits until the close frame is sent. */
  public void bye() {
    ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
  }

  public void abort() {
    if (ws != null) {
      ws.abort();
    }
  }

  public synchronized void send(String json) {
    ws.sendText(json, true).join();
  }

  /** Sends a text message to a conversation. */
  public void send(String clientMsgId, long conversationId, String text) {
    send(
        "{\"type\":\"send\",\"client_msg_id\":\""
            + clientMsgId
            + "\",\"conversation_id\":\""
            + conversationId
            + "\",\"body\":{\"kind\":\"text\",\"text\":\""
            + text
            + "\"}}");
  }

  public List<JsonNode> ofType(String type) {
    return frames.stream().filter(f -> f.path("type").asText().equals(type)).toList();
  }

  /** Message frames of one conversation, in arrival order. */
  public List<JsonNode> messages(long conversationId) {
    return ofType("message").stream()
        .map(f -> f.get("message"))
        .filter(m -> m.path("conversation_id").asLong() == conversationId)
        .toList();
  }

  public boolean isClosed() {
    return closed.isDone();
  }
}
