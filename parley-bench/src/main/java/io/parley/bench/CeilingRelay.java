package io.parley.bench;

import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The ceiling: a plain WebSocket relay on the same framework (Vert.x, one HTTP server created the
 * same way as Parley's), speaking the same JSON frames — {@code hello} on connect, {@code send}
 * answered by {@code ack} to the sender and {@code message} to the other members — with no auth
 * (the access token is the user id), no storage and no receipts. Conversations live in an in-memory
 * map filled over {@code POST /relay/conversations}.
 */
public final class CeilingRelay implements AutoCloseable {
  static final String REGISTER_PATH = "/relay/conversations";

  private final Vertx vertx;
  private final HttpServer server;
  private final Map<String, List<ServerWebSocket>> sockets = new ConcurrentHashMap<>();
  private final Map<String, String[]> members = new ConcurrentHashMap<>();
  private final Map<String, AtomicLong> seqs = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong(1);

  private CeilingRelay(Vertx vertx, String host, int port) {
    this.vertx = vertx;
    HttpServerOptions opts =
        new HttpServerOptions()
            .setHost(host)
            .setPort(port)
            .setMaxWebSocketFrameSize(65536)
            .setMaxWebSocketMessageSize(65536)
            .setTcpNoDelay(true)
            .setReuseAddress(true);
    this.server =
        vertx
            .createHttpServer(opts)
            .requestHandler(
                req -> {
                  if (req.path().equals(REGISTER_PATH)) {
                    req.body()
                        .onSuccess(
                            b -> {
                              JsonObject o = b.toJsonObject();
                              JsonArray m = o.getJsonArray("member_ids");
                              String[] ms = new String[m.size()];
                              for (int i = 0; i < ms.length; i++) {
                                ms[i] = m.getString(i);
                              }
                              String conv = o.getString("conversation_id");
                              members.put(conv, ms);
                              seqs.put(conv, new AtomicLong());
                              req.response().setStatusCode(204).end();
                            });
                  } else if (req.path().startsWith("/health")) {
                    req.response().end("{\"status\":\"ready\"}");
                  } else {
                    req.response().setStatusCode(404).end();
                  }
                })
            .webSocketHandler(this::open);
  }

  /** Starts a relay on {@code port} (0: any free port); blocks until it listens. */
  public static CeilingRelay start(String host, int port) throws Exception {
    CeilingRelay r = new CeilingRelay(Vertx.vertx(), host, port);
    r.server.listen().await(30, TimeUnit.SECONDS);
    return r;
  }

  public int port() {
    return server.actualPort();
  }

  private void open(ServerWebSocket ws) {
    if (!"/v1/ws".equals(ws.path())) {
      ws.close((short) 4404);
      return;
    }
    String user = null;
    String q = ws.query();
    if (q != null) {
      for (String part : q.split("&")) {
        if (part.startsWith("access_token=")) {
          user = part.substring("access_token=".length());
        }
      }
    }
    if (user == null) {
      ws.close((short) 4401);
      return;
    }
    String me = user;
    sockets.computeIfAbsent(me, k -> new CopyOnWriteArrayList<>()).add(ws);
    ws.closeHandler(
        v -> {
          List<ServerWebSocket> l = sockets.get(me);
          if (l != null) {
            l.remove(ws);
          }
        });
    ws.writeTextMessage(
        new JsonObject()
            .put("type", "hello")
            .put("user_id", me)
            .put("device_id", me)
            .put("node_id", "relay")
            .put("heartbeat_ms", 25000)
            .encode());
    ws.writeTextMessage("{\"type\":\"synced\"}");
    ws.textMessageHandler(text -> onText(ws, me, text));
  }

  private void onText(ServerWebSocket ws, String me, String text) {
    JsonObject f;
    try {
      f = new JsonObject(text);
    } catch (RuntimeException e) {
      ws.writeTextMessage("{\"type\":\"error\",\"code\":\"bad_frame\",\"message\":\"bad json\"}");
      return;
    }
    String type = f.getString("type");
    if ("ping".equals(type)) {
      ws.writeTextMessage("{\"type\":\"pong\"}");
      return;
    }
    if (!"send".equals(type)) {
      return;
    }
    String conv = f.getString("conversation_id");
    String to = f.getString("to_user_id");
    if (conv == null && to != null && !to.equals(me)) {
      // first message between two users creates their direct conversation (the same for the pair)
      conv = me.compareTo(to) < 0 ? "d:" + me + ":" + to : "d:" + to + ":" + me;
      members.computeIfAbsent(conv, k -> new String[] {me, to});
      seqs.computeIfAbsent(conv, k -> new AtomicLong());
    }
    String[] ms = conv == null ? null : members.get(conv);
    String cmid = f.getString("client_msg_id");
    if (ms == null) {
      ws.writeTextMessage(
          new JsonObject()
              .put("type", "error")
              .put("code", "not_found")
              .put("message", "no such conversation")
              .put("client_msg_id", cmid)
              .encode());
      return;
    }
    long seq = seqs.get(conv).incrementAndGet();
    String id = Long.toString(ids.getAndIncrement());
    long ts = System.currentTimeMillis();
    JsonObject msg =
        new JsonObject()
            .put("message_id", id)
            .put("conversation_id", conv)
            .put("seq", seq)
            .put("sender_id", me)
            .put("sender_device_id", me)
            .put("client_msg_id", cmid)
            .put("ts", ts)
            .put("body", f.getJsonObject("body"));
    ws.writeTextMessage(
        new JsonObject()
            .put("type", "ack")
            .put("client_msg_id", cmid)
            .put("message_id", id)
            .put("conversation_id", conv)
            .put("seq", seq)
            .put("ts", ts)
            .encode());
    String frame = new JsonObject().put("type", "message").put("message", msg).encode();
    for (String u : ms) {
      if (u.equals(me)) {
        continue;
      }
      List<ServerWebSocket> l = sockets.get(u);
      if (l != null) {
        for (ServerWebSocket s : l) {
          s.writeTextMessage(frame);
        }
      }
    }
  }

  @Override
  public void close() {
    try {
      server.close().await(10, TimeUnit.SECONDS);
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort
    }
  }

  /** {@code java -cp ... io.parley.bench.CeilingRelay [--port P] [--host H]}. */
  public static void main(String[] args) throws Exception {
    int port = 8090;
    String host = "127.0.0.1";
    for (int i = 0; i + 1 < args.length; i += 2) {
      switch (args[i]) {
        case "--port" -> port = Integer.parseInt(args[i + 1]);
        case "--host" -> host = args[i + 1];
        default -> throw new IllegalArgumentException("unknown option " + args[i]);
      }
    }
    CeilingRelay r = start(host, port);
    Runtime.getRuntime().addShutdownHook(new Thread(r::close, "relay-shutdown"));
    System.out.println("ceiling relay listening on " + host + ":" + r.port());
  }
}
