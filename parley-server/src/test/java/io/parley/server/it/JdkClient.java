package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import org.awaitility.Awaitility;

/**
 * A client we did not write: the JDK's {@link HttpClient} for REST and its {@link WebSocket} for
 * the gateway, with just enough bookkeeping for the tests (received frames, the close code and when
 * it came).
 */
public final class JdkClient {
  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  private JdkClient() {}

  /** A {@code send} frame by {@code to_user_id} with a text body naming {@code clientMsgId}. */
  static String sendTo(String userId, String clientMsgId) {
    return "{\"type\":\"send\",\"client_msg_id\":\""
        + clientMsgId
        + "\",\"to_user_id\":\""
        + userId
        + "\",\"body\":{\"kind\":\"text\",\"text\":\"hi "
        + clientMsgId
        + "\"}}";
  }

  /** A {@code delivered} or {@code read} frame ({@code kind}) up to {@code seq}. */
  static String position(String kind, String conversationId, long seq) {
    return "{\"type\":\""
        + kind
        + "\",\"conversation_id\":\""
        + conversationId
        + "\",\"seq\":"
        + seq
        + "}";
  }

  /** Status and parsed body (null when empty). */
  public record Res(int status, JsonNode body) {}

  static Res call(String base, String method, String path, String token, String body) {
    return call(base, method, path, token, body, Duration.ofSeconds(10));
  }

  /** A REST call with the JSON body {@code body} (null: none) and a request timeout. */
  public static Res call(
      String base, String method, String path, String token, String body, Duration timeout) {
    try {
      HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(base + path)).timeout(timeout);
      if (token != null) {
        b.header("Authorization", "Bearer " + token);
      }
      if (body != null) {
        b.header("Content-Type", "application/json");
      }
      b.method(
          method,
          body == null
              ? HttpRequest.BodyPublishers.noBody()
              : HttpRequest.BodyPublishers.ofString(body));
      HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
      return new Res(r.statusCode(), r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body()));
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** One WebSocket connection. */
  static final class Socket implements WebSocket.Listener {
    private final List<JsonNode> frames = new ArrayList<>();
    private final CompletableFuture<Integer> closeCode = new CompletableFuture<>();
    private final StringBuilder partial = new StringBuilder();
    private volatile long closedAtNanos;
    private WebSocket ws;

    /** Connects with the token in the header and waits for {@code hello}. */
    static Socket open(String base, String token) {
      Socket s = connect(base, token);
      s.await("hello", f -> true);
      return s;
    }

    /** Connects with the token in the header; does not wait for anything. */
    static Socket connect(String base, String token) {
      Socket s = new Socket();
      try {
        s.ws =
            HTTP.newWebSocketBuilder()
                .header("Authorization", "Bearer " + token)
                .buildAsync(URI.create(base.replace("http://", "ws://") + "/v1/ws"), s)
                .get(10, TimeUnit.SECONDS);
      } catch (Exception e) {
        throw new IllegalStateException(e);
      }
      return s;
    }

    @Override
    public void onOpen(WebSocket webSocket) {
      webSocket.request(Long.MAX_VALUE);
    }

    @Override
    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
      partial.append(data);
      if (last) {
        try {
          JsonNode f = Json.MAPPER.readTree(partial.toString());
          synchronized (frames) {
            frames.add(f);
          }
        } catch (Exception e) {
          throw new IllegalStateException(e);
        }
        partial.setLength(0);
      }
      return null;
    }

    @Override
    public CompletionStage<?> onClose(WebSocket webSocket, int statusCode, String reason) {
      closedAtNanos = System.nanoTime();
      closeCode.complete(statusCode);
      return null;
    }

    @Override
    public void onError(WebSocket webSocket, Throwable error) {
      closedAtNanos = System.nanoTime();
      closeCode.complete(-1);
    }

    void send(String json) {
      ws.sendText(json, true).join();
    }

    /** Sends a frame without waiting (the socket may be closing). */
    CompletableFuture<WebSocket> trySend(String json) {
      return ws.sendText(json, true);
    }

    List<JsonNode> frames(String type) {
      synchronized (frames) {
        return frames.stream().filter(f -> f.path("type").asText().equals(type)).toList();
      }
    }

    int count() {
      synchronized (frames) {
        return frames.size();
      }
    }

    /** Frames received after the first {@code from}. */
    List<JsonNode> since(int from) {
      synchronized (frames) {
        return List.copyOf(frames.subList(from, frames.size()));
      }
    }

    /** Waits for a frame of the type matching {@code p} and returns the first such. */
    JsonNode await(String type, Predicate<JsonNode> p) {
      return Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () -> frames(type).stream().filter(p).findFirst().orElse(null),
              java.util.Objects::nonNull);
    }

    /** Sends {@code ping} and waits for its {@code pong}: everything sent before has arrived. */
    void roundTrip() {
      int pongs = frames("pong").size();
      send("{\"type\":\"ping\"}");
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> frames("pong").size() > pongs);
    }

    boolean isClosed() {
      return closeCode.isDone();
    }

    /** The close code, waiting up to {@code timeout} for it. */
    int awaitClose(Duration timeout) {
      try {
        return closeCode.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      } catch (Exception e) {
        throw new AssertionError("socket not closed within " + timeout, e);
      }
    }

    long closedAtNanos() {
      assertThat(closeCode).isDone();
      return closedAtNanos;
    }

    void close() {
      if (!closeCode.isDone()) {
        ws.abort();
      }
    }

    /** Closes with 1000 and waits for the server's close frame. */
    void bye() {
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").join();
      awaitClose(Duration.ofSeconds(5));
    }
  }
}
