package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.ServerWebSocket;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A small, real (sockets, no mocks) in-memory fake of the Parley protocol for SDK tests. It speaks
 * a subset of API.md: auth and a few REST routes, and on {@code /v1/ws} hello, idempotent send/ack,
 * echo of messages to every socket, replay of undelivered messages then {@code synced}, delivered
 * positions per device, ping/pong and {@code bad_frame} errors. Knobs let tests drop acks.
 */
final class FakeParleyServer implements AutoCloseable {
  record Account(String userId, String username, String password) {}

  record Device(String userId, String deviceId) {}

  final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  final long heartbeatMs;

  final Map<String, Account> accounts = new ConcurrentHashMap<>();
  final Map<String, Device> tokens = new ConcurrentHashMap<>();
  final Map<String, List<MessageView>> conversations = new ConcurrentHashMap<>();
  final Map<String, Frames.Ack> acksByClientMsgId = new ConcurrentHashMap<>();
  final Map<String, Map<String, Long>> deliveredByDevice = new ConcurrentHashMap<>();
  final Map<ServerWebSocket, Device> sockets = new ConcurrentHashMap<>();
  final List<JsonNode> clientFrames = new CopyOnWriteArrayList<>();
  final AtomicInteger wsConnects = new AtomicInteger();
  private final AtomicLong ids = new AtomicLong(1000);
  private final Set<String> ackDroppedOnce = ConcurrentHashMap.newKeySet();

  /** Drop the first ack of every client_msg_id (the message is still stored). */
  volatile boolean dropFirstAck;

  /** Drop every ack while set. */
  volatile boolean dropAllAcks;

  FakeParleyServer(long heartbeatMs) throws Exception {
    this.heartbeatMs = heartbeatMs;
    server =
        vertx
            .createHttpServer()
            .requestHandler(this::onRequest)
            .webSocketHandler(this::onWebSocket)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  /** Creates an account and a device token directly (no HTTP). */
  Api.Session newSession(String username) {
    Account a = accounts.computeIfAbsent(username, u -> new Account("u" + next(), u, "pw"));
    String token = "tok-" + UUID.randomUUID();
    Device d = new Device(a.userId(), "d" + next());
    tokens.put(token, d);
    return new Api.Session(token, "ref-" + token, 900, a.userId(), d.deviceId());
  }

  /** Stores a message from {@code senderId} and pushes it to every connected socket. */
  MessageView inject(String conversationId, String senderId, String text) {
    MessageView m = store(conversationId, senderId, "dx", UUID.randomUUID().toString(), text);
    broadcast(m, null);
    return m;
  }

  /** Pushes an already stored message again (at-least-once redelivery). */
  void redeliver(MessageView m) {
    broadcast(m, null);
  }

  /** Closes every WebSocket with {@code code}. */
  void closeAll(int code, String reason) {
    vertx.runOnContext(v -> sockets.keySet().forEach(ws -> ws.close((short) code, reason)));
  }

  List<JsonNode> clientFrames(String type) {
    return clientFrames.stream().filter(f -> type.equals(f.path("type").asText())).toList();
  }

  int stored(String conversationId) {
    List<MessageView> l = conversations.get(conversationId);
    return l == null ? 0 : l.size();
  }

  @Override
  public void close() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  // ---- WebSocket ----

  private void onWebSocket(ServerWebSocket ws) {
    if (!"/v1/ws".equals(ws.path())) {
      ws.close((short) 1008, "not found");
      return;
    }
    String auth = ws.headers().get("Authorization");
    String token = auth != null && auth.startsWith("Bearer ") ? auth.substring(7) : null;
    String q = ws.query();
    if (token == null && q != null && q.startsWith("access_token=")) {
      token = q.substring("access_token=".length());
    }
    Device d = token == null ? null : tokens.get(token);
    if (d == null) {
      ws.close((short) 4401, "unauthorized");
      return;
    }
    wsConnects.incrementAndGet();
    sockets.put(ws, d);
    ws.closeHandler(v -> sockets.remove(ws));
    ws.textMessageHandler(text -> onFrame(ws, d, text));
    write(ws, new Frames.Hello(d.userId(), d.deviceId(), "fake-1", heartbeatMs));
    Map<String, Long> pos =
        deliveredByDevice.computeIfAbsent(d.deviceId(), k -> new ConcurrentHashMap<>());
    conversations.forEach(
        (conv, msgs) -> {
          long from = pos.getOrDefault(conv, 0L);
          snapshot(msgs).stream()
              .filter(m -> m.seq() > from)
              .forEach(m -> write(ws, new Frames.Message(m)));
        });
    write(ws, Frames.Bare.SYNCED);
  }

  private void onFrame(ServerWebSocket ws, Device d, String text) {
    JsonNode f;
    try {
      f = Json.MAPPER.readTree(text);
      if (f == null || !f.isObject()) {
        throw new IOException("not an object");
      }
    } catch (IOException e) {
      write(ws, new Frames.Error("bad_frame", "unparseable frame", null));
      return;
    }
    clientFrames.add(f);
    switch (f.path("type").asText()) {
      case "ping" -> write(ws, Frames.Bare.PONG);
      case "delivered" ->
          deliveredByDevice
              .computeIfAbsent(d.deviceId(), k -> new ConcurrentHashMap<>())
              .merge(f.path("conversation_id").asText(), f.path("seq").asLong(), Math::max);
      case "send" -> onSend(ws, d, f);
      case "read", "typing", "presence_subscribe", "presence_unsubscribe" -> {}
      default -> write(ws, new Frames.Error("bad_frame", "unknown frame type", null));
    }
  }

  private void onSend(ServerWebSocket ws, Device d, JsonNode f) {
    String cmid = f.path("client_msg_id").asText(null);
    String conv = f.path("conversation_id").asText(null);
    if (conv == null && f.hasNonNull("to_user_id")) {
      conv = directId(d.userId(), f.path("to_user_id").asText());
    }
    if (cmid == null || conv == null || !f.path("body").isObject()) {
      write(ws, new Frames.Error("invalid_argument", "missing field", cmid));
      return;
    }
    Frames.Ack ack = acksByClientMsgId.get(cmid);
    if (ack == null) {
      MessageView m = store(conv, d.userId(), d.deviceId(), cmid, f.path("body"));
      ack = new Frames.Ack(cmid, m.messageId(), conv, m.seq(), m.ts());
      acksByClientMsgId.put(cmid, ack);
      broadcast(m, null);
    }
    if (dropAllAcks || (dropFirstAck && ackDroppedOnce.add(cmid))) {
      return;
    }
    write(ws, ack);
  }

  // ---- REST ----

  private void onRequest(HttpServerRequest req) {
    req.body()
        .onSuccess(
            buf -> {
              JsonNode body = buf.length() == 0 ? null : Json.read(buf.toString(), JsonNode.class);
              route(req, body);
            });
  }

  private void route(HttpServerRequest req, JsonNode body) {
    String path = req.path();
    String key = req.method().name() + " " + path;
    if (key.equals("POST /v1/auth/signup")) {
      String name = body.path("username").asText();
      if (accounts.containsKey(name)) {
        error(req, 409, "conflict", "username taken");
        return;
      }
      Account a = new Account("u" + next(), name, body.path("password").asText());
      accounts.put(name, a);
      json(req, 201, obj().put("user_id", a.userId()).put("username", name));
      return;
    }
    if (key.equals("POST /v1/auth/login")) {
      Account a = accounts.get(body.path("username").asText());
      if (a == null || !a.password().equals(body.path("password").asText())) {
        error(req, 401, "unauthorized", "bad credentials");
        return;
      }
      Api.Session s = newSession(a.username());
      json(req, 200, Json.MAPPER.valueToTree(s));
      return;
    }
    if (key.equals("POST /v1/test/rate")) {
      req.response().putHeader("Retry-After", "7");
      error(req, 429, "rate_limited", "slow down");
      return;
    }
    String auth = req.getHeader("Authorization");
    Device d = auth == null ? null : tokens.get(auth.replaceFirst("^Bearer ", ""));
    if (d == null) {
      error(req, 401, "unauthorized", "missing or bad token");
      return;
    }
    if (key.equals("GET /v1/users") && req.getParam("username") != null) {
      Account a = accounts.get(req.getParam("username"));
      if (a == null) {
        error(req, 404, "not_found", "no such user");
      } else {
        json(req, 200, obj().put("user_id", a.userId()).put("username", a.username()));
      }
    } else if (key.equals("GET /v1/users/me")) {
      Account a =
          accounts.values().stream().filter(x -> x.userId().equals(d.userId())).findFirst().get();
      json(req, 200, obj().put("user_id", a.userId()).put("username", a.username()));
    } else if (key.equals("POST /v1/conversations/direct")) {
      json(
          req,
          200,
          obj().put("conversation_id", directId(d.userId(), body.path("user_id").asText())));
    } else if (path.startsWith("/v1/conversations/") && path.endsWith("/messages")) {
      String conv = path.split("/")[3];
      if (req.method().name().equals("POST")) {
        MessageView m =
            store(
                conv,
                d.userId(),
                d.deviceId(),
                body.path("client_msg_id").asText(),
                body.path("body"));
        broadcast(m, null);
        ObjectNode r = obj();
        r.set("message", Json.MAPPER.valueToTree(m));
        json(req, 201, r);
      } else {
        long after = Long.parseLong(req.getParam("after_seq", "0"));
        int limit = Integer.parseInt(req.getParam("limit", "50"));
        List<MessageView> all =
            snapshot(conversations.getOrDefault(conv, List.of())).stream()
                .filter(m -> m.seq() > after)
                .toList();
        ObjectNode r = obj().put("has_more", all.size() > limit);
        r.set("messages", Json.MAPPER.valueToTree(all.subList(0, Math.min(limit, all.size()))));
        json(req, 200, r);
      }
    } else {
      error(req, 404, "not_found", "no route " + key);
    }
  }

  // ---- helpers ----

  private MessageView store(String conv, String sender, String device, String cmid, Object body) {
    JsonNode b =
        body instanceof JsonNode n ? n : obj().put("kind", "text").put("text", (String) body);
    List<MessageView> list = conversations.computeIfAbsent(conv, k -> new ArrayList<>());
    synchronized (list) {
      MessageView m =
          new MessageView(
              Long.toString(next()),
              conv,
              list.size() + 1,
              sender,
              device,
              cmid,
              System.currentTimeMillis(),
              b);
      list.add(m);
      return m;
    }
  }

  private void broadcast(MessageView m, ServerWebSocket except) {
    vertx.runOnContext(
        v ->
            sockets.keySet().stream()
                .filter(ws -> ws != except)
                .forEach(ws -> write(ws, new Frames.Message(m))));
  }

  private static List<MessageView> snapshot(List<MessageView> l) {
    synchronized (l) {
      return List.copyOf(l);
    }
  }

  private static String directId(String a, String b) {
    return a.compareTo(b) < 0 ? "d-" + a + "-" + b : "d-" + b + "-" + a;
  }

  private long next() {
    return ids.incrementAndGet();
  }

  private static void write(ServerWebSocket ws, Object frame) {
    ws.writeTextMessage(Json.write(frame));
  }

  private static ObjectNode obj() {
    return Json.MAPPER.createObjectNode();
  }

  private static void json(HttpServerRequest req, int status, JsonNode body) {
    req.response()
        .setStatusCode(status)
        .putHeader("Content-Type", "application/json")
        .end(Json.write(body));
  }

  private static void error(HttpServerRequest req, int status, String code, String message) {
    ObjectNode e = obj();
    e.set("error", obj().put("code", code).put("message", message));
    json(req, status, e);
  }
}
