package io.parley.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.function.Predicate;
import java.util.stream.Stream;
import org.awaitility.Awaitility;

/**
 * A Server-Sent Events client we did not write: the JDK {@link HttpClient} streaming the body line
 * by line, parsed as the SSE format says (fields {@code id}, {@code data}; comments; an empty line
 * ends an event). Remembers the last event id, as a browser's EventSource does.
 */
final class SseStream implements AutoCloseable {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  /** One event: its id (null if it had none) and its data, a server frame. */
  record Event(String id, JsonNode frame) {
    String type() {
      return frame.path("type").asText();
    }
  }

  final int status;
  private final List<Event> events = new ArrayList<>();
  private final List<String> comments = new ArrayList<>();
  private final Stream<String> body;
  private volatile boolean ended;
  private volatile String lastEventId;

  private SseStream(int status, Stream<String> body, String lastEventId) {
    this.status = status;
    this.body = body;
    this.lastEventId = lastEventId;
  }

  /** Opens {@code /v1/events} with the token in the header; returns after the response head. */
  static SseStream open(String base, String token, String lastEventId) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + "/v1/events"))
            .header("Accept", "text/event-stream");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (lastEventId != null) {
      b.header("Last-Event-ID", lastEventId);
    }
    return open(b.GET().build(), lastEventId);
  }

  static SseStream open(HttpRequest req, String lastEventId) {
    try {
      HttpResponse<Stream<String>> r = HTTP.send(req, HttpResponse.BodyHandlers.ofLines());
      SseStream s = new SseStream(r.statusCode(), r.body(), lastEventId);
      Thread t = new Thread(s::read, "sse-test-reader");
      t.setDaemon(true);
      t.start();
      return s;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  private void read() {
    String id = null;
    StringBuilder data = null;
    try {
      Iterator<String> it = body.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.isEmpty()) {
          if (data != null) {
            JsonNode frame = Json.MAPPER.readTree(data.toString());
            synchronized (this) {
              if (id != null) {
                lastEventId = id;
              }
              events.add(new Event(id, frame));
            }
          }
          id = null;
          data = null;
        } else if (line.startsWith(":")) {
          synchronized (this) {
            comments.add(line.substring(1).trim());
          }
        } else if (line.startsWith("id:")) {
          id = line.substring(3).trim();
        } else if (line.startsWith("data:")) {
          String d = line.substring(5).stripLeading();
          data = data == null ? new StringBuilder(d) : data.append('\n').append(d);
        }
      }
    } catch (Exception e) {
      // the stream was cut
    } finally {
      ended = true;
    }
  }

  synchronized List<Event> events() {
    return new ArrayList<>(events);
  }

  synchronized List<Event> ofType(String type) {
    return events.stream().filter(e -> e.type().equals(type)).toList();
  }

  synchronized List<String> comments() {
    return new ArrayList<>(comments);
  }

  String lastEventId() {
    return lastEventId;
  }

  boolean ended() {
    return ended;
  }

  /** Waits for an event of {@code type} matching {@code p}. */
  Event await(String type, Predicate<JsonNode> p) {
    return Awaitility.await()
        .alias("SSE event " + type)
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> ofType(type).stream().filter(e -> p.test(e.frame())).findFirst().orElse(null),
            e -> e != null);
  }

  void awaitEnd() {
    Awaitility.await().alias("SSE stream ends").atMost(Duration.ofSeconds(15)).until(this::ended);
  }

  @Override
  public void close() {
    body.close();
  }
}
