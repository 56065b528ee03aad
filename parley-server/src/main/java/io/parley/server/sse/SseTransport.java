package io.parley.server.sse;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import io.parley.server.delivery.Outbound;
import io.parley.server.gateway.Connection;
import io.parley.server.gateway.Transport;
import io.vertx.core.Context;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.core.net.SocketAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.Executor;

/**
 * A Server-Sent Events stream on a Vert.x response (public API only): each frame is one event whose
 * data is the frame's JSON, {@code message} events carry a resumable id ({@link EventIds}),
 * heartbeats are {@code : hb} comments. The writer thread is the request's event-loop context;
 * {@link HttpServerResponse#writeQueueFull()} is the high water mark and its drain handler resumes
 * the connection's writer. A heartbeat that goes out while the response's queue is not full counts
 * as activity, so a client that stops reading is closed as idle even if its queue never fills.
 */
final class SseTransport implements Transport {
  /** How long an ended stream may take to flush before its HTTP connection is closed. */
  static final long FORCE_CLOSE_MS = 3_000;

  private static final int BATCH_BYTES = 16 * 1024;
  private static final String MESSAGE_PREFIX = "{\"type\":\"message\",";
  private static final Buffer HEARTBEAT = Buffer.buffer(": hb\n\n");

  private final Context context;
  private final HttpServerRequest req;
  private final HttpServerResponse res;
  private final EventIds ids;
  private final Clock clock;
  private Connection connection;
  private Buffer pending = Buffer.buffer(256);
  private boolean ended;
  private final Executor writer = this::execute;

  SseTransport(Context context, HttpServerRequest req, Map<Long, Long> start, Clock clock) {
    this.context = context;
    this.req = req;
    this.res = req.response();
    this.ids = new EventIds(start);
    this.clock = clock;
  }

  /** Binds the connection and the response's events to it; on the context thread. */
  void bind(Connection c) {
    this.connection = c;
    res.drainHandler(v -> c.drain());
    res.closeHandler(
        v -> {
          ended = true;
          c.gone();
        });
    res.endHandler(v -> c.gone());
    res.exceptionHandler(t -> c.gone());
  }

  @Override
  public void execute(Runnable task) {
    context.runOnContext(v -> task.run());
  }

  @Override
  public Executor writer() {
    return writer;
  }

  @Override
  public void schedule(Runnable task, long delayMs) {
    execute(() -> context.owner().setTimer(Math.max(1, delayMs), id -> task.run()));
  }

  @Override
  public boolean isWritable() {
    return !ended && pending.length() < 2 * BATCH_BYTES && !res.writeQueueFull();
  }

  @Override
  public void write(Outbound frame) {
    if (frame.isMessage()) {
      event(ids.next(frame.conversationId(), frame.seq()), frame.json());
    } else {
      write(frame.json());
    }
  }

  @Override
  public void write(String json) {
    if (ended) {
      return;
    }
    if (json.startsWith(MESSAGE_PREFIX)) {
      JsonNode m;
      try {
        m = Json.MAPPER.readTree(json).path("message");
      } catch (java.io.IOException e) {
        throw new IllegalStateException("unparseable message frame", e);
      }
      long conv = Long.parseLong(m.path("conversation_id").asText());
      event(ids.next(conv, m.path("seq").asLong()), json);
    } else {
      event(null, json);
    }
  }

  /** Appends one event (with an {@code id:} line unless {@code id} is null). */
  private void event(String id, String json) {
    if (ended) {
      return;
    }
    if (id != null) {
      pending.appendString("id: ").appendString(id).appendString("\n");
    }
    pending.appendString("data: ").appendString(json, StandardCharsets.UTF_8.name());
    pending.appendString("\n\n");
    if (pending.length() >= BATCH_BYTES) {
      flush();
    }
  }

  @Override
  public void flush() {
    if (!ended && pending.length() > 0) {
      Buffer b = pending;
      pending = Buffer.buffer(256);
      res.write(b);
    }
  }

  @Override
  public void ping() {
    if (ended) {
      return;
    }
    res.write(HEARTBEAT.copy());
    if (!res.writeQueueFull()) {
      connection.touch(clock.millis());
    }
  }

  @Override
  public void close(int code, String reason) {
    if (ended) {
      return;
    }
    ended = true;
    pending = Buffer.buffer(0);
    res.write(": close " + code + " " + reason.replace('\n', ' ') + "\n\n");
    boolean[] done = {false};
    res.end().onComplete(ar -> done[0] = true);
    // a client that does not read never lets the end through: cut its HTTP connection
    context
        .owner()
        .setTimer(
            FORCE_CLOSE_MS,
            id -> {
              if (!done[0]) {
                req.connection().close();
              }
            });
  }

  @Override
  public InetSocketAddress remoteAddress() {
    SocketAddress a = req.remoteAddress();
    // a literal address: no lookup
    return a == null ? null : new InetSocketAddress(a.hostAddress(), a.port());
  }
}
