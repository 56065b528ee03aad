package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.http.UpgradeRejectedException;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.http.WebSocketConnectOptions;
import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One device's WebSocket connection to {@code /v1/ws} (API.md), on Vert.x: many clients share event
 * loops, no thread per connection. All connection state lives on one Vert.x context; the public
 * methods are thread-safe.
 *
 * <p>Contract: {@link #connect()} completes with the server's {@code hello}. {@link #send} assigns
 * a UUID {@code client_msg_id} and resends the same frame after {@code ackTimeoutMs} and after
 * every reconnect until the {@code ack} arrives (or an {@code error} frame names it, or {@link
 * #close()}). Received messages are deduplicated by {@code message_id} ({@link #inbox()}) and, by
 * default, acknowledged with one batched {@code delivered} per conversation. With auto-reconnect
 * the client reconnects with jittered exponential backoff, except after {@code 4401} without a
 * token supplier and after {@link #close()}.
 */
public final class ParleyClient implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ParleyClient.class);

  private final ClientOptions opts;
  private final Vertx vertx;
  private final boolean ownsVertx;
  private final WebSocketClient wsClient;
  private final boolean ownsWsClient;
  private final Context ctx;
  private final Inbox inbox;
  private final Listeners listeners = new Listeners();

  // ---- state confined to ctx ----
  private WebSocket ws;
  private CompletableFuture<Frames.Hello> connecting;
  private boolean helloSeen;
  private long helloTimer = -1;
  private long pingTimer = -1;
  private long lastFrameAt;
  private long reconnectTimer = -1;
  private int reconnectAttempt;
  private long reconnectAfterMs = -1;
  private final SendQueue sends;
  private final DeliveredBatcher delivered;

  // ---- visible to any thread ----
  private volatile boolean closed;
  private volatile Frames.Hello hello;
  private volatile CloseInfo lastClose;
  private volatile CompletableFuture<Void> synced = new CompletableFuture<>();
  private volatile CompletableFuture<CloseInfo> closeFuture = new CompletableFuture<>();
  private volatile int connections;

  /** Creates a client; call {@link #connect()} to open the connection. */
  public ParleyClient(ClientOptions options) {
    this.opts = options;
    this.ownsVertx = options.vertx == null;
    this.vertx = ownsVertx ? Vertx.vertx() : options.vertx;
    this.ownsWsClient = options.webSocketClient == null;
    this.wsClient = ownsWsClient ? newWebSocketClient(vertx) : options.webSocketClient;
    this.ctx = vertx.getOrCreateContext();
    this.inbox = new Inbox(options.keepInbox, options.dedupeCapacity, options.maxRecordedFrames);
    this.sends = new SendQueue(vertx, options.ackTimeoutMs, this::wire);
    this.delivered = new DeliveredBatcher(vertx, options.deliveredDelayMs, this::wire);
  }

  /** Connects with default options and waits (10 s) for {@code hello}: a test shortcut. */
  public static ParleyClient connect(String baseUrl, String accessToken) {
    return connect(new ClientOptions(baseUrl, accessToken));
  }

  /** Creates a client, connects and waits (hello timeout + 1 s) for {@code hello}. */
  public static ParleyClient connect(ClientOptions options) {
    ParleyClient c = new ParleyClient(options);
    try {
      c.connect().get(options.helloTimeoutMs + 1000, TimeUnit.MILLISECONDS);
      return c;
    } catch (ExecutionException e) {
      c.close();
      throw e.getCause() instanceof RuntimeException re ? re : new IllegalStateException(e);
    } catch (InterruptedException | TimeoutException e) {
      c.close();
      throw new IllegalStateException("connect failed: " + e, e);
    }
  }

  /** A WebSocket client suited for sharing among many {@link ParleyClient}s on one Vert.x. */
  public static WebSocketClient newWebSocketClient(Vertx vertx) {
    return vertx.createWebSocketClient(
        new WebSocketClientOptions()
            .setMaxConnections(Integer.MAX_VALUE)
            .setConnectTimeout(10_000)
            .setMaxMessageSize(16 * 1024 * 1024)
            .setMaxFrameSize(1024 * 1024));
  }

  public ParleyClient addListener(ParleyListener l) {
    listeners.add(l);
    return this;
  }

  public ParleyClient removeListener(ParleyListener l) {
    listeners.remove(l);
    return this;
  }

  /**
   * Opens the connection; completes with {@code hello}, or fails (e.g. {@link
   * ParleyClosedException}).
   */
  public CompletableFuture<Frames.Hello> connect() {
    CompletableFuture<Frames.Hello> f = new CompletableFuture<>();
    ctx.runOnContext(v -> doConnect(f));
    return f;
  }

  // ---- sending ----

  /** Sends {@code body} to a conversation; completes with the {@code ack}. */
  public CompletableFuture<Frames.Ack> send(String conversationId, JsonNode body) {
    return send(new Frames.Send(UUID.randomUUID().toString(), conversationId, null, body));
  }

  /** Sends {@code body} to a user's direct conversation ({@code to_user_id}). */
  public CompletableFuture<Frames.Ack> sendTo(String toUserId, JsonNode body) {
    return send(new Frames.Send(UUID.randomUUID().toString(), null, toUserId, body));
  }

  public CompletableFuture<Frames.Ack> sendText(String conversationId, String text) {
    return send(conversationId, Bodies.text(text));
  }

  /** Sends a prepared frame (caller-chosen {@code client_msg_id}), retrying until acked. */
  public CompletableFuture<Frames.Ack> send(Frames.Send frame) {
    CompletableFuture<Frames.Ack> f = new CompletableFuture<>();
    if (closed) {
      f.completeExceptionally(new IllegalStateException("client closed"));
      return f;
    }
    String json = Json.write(frame);
    ctx.runOnContext(v -> sends.add(frame.clientMsgId(), json, f));
    return f;
  }

  /** Sends arbitrary text as one frame (tests send malformed frames). */
  public CompletableFuture<Void> rawSend(String text) {
    CompletableFuture<Void> f = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          if (ws == null) {
            f.completeExceptionally(new IllegalStateException("not connected"));
          } else {
            ws.writeTextMessage(text).onComplete(ar -> complete(f, null, ar.cause()));
          }
        });
    return f;
  }

  /** Sends {@code delivered} up to {@code seq} now (in addition to automatic batching). */
  public void markDelivered(String conversationId, long seq) {
    ctx.runOnContext(
        v -> {
          delivered.explicitlySent(conversationId, seq);
          wire(Json.write(Frames.Position.delivered(conversationId, seq)));
        });
  }

  public void markRead(String conversationId, long seq) {
    write(Frames.Position.read(conversationId, seq));
  }

  public void typing(String conversationId, boolean start) {
    write(new Frames.Typing(conversationId, null, start ? "start" : "stop"));
  }

  public void subscribePresence(List<String> userIds) {
    write(Frames.PresenceInterest.subscribe(userIds));
  }

  public void unsubscribePresence(List<String> userIds) {
    write(Frames.PresenceInterest.unsubscribe(userIds));
  }

  public void ping() {
    write(Frames.Bare.PING);
  }

  // ---- state and test helpers ----

  public Inbox inbox() {
    return inbox;
  }

  /** Distinct messages received in {@code conversationId}, in arrival order. */
  public List<MessageView> messages(String conversationId) {
    return inbox.messages(conversationId);
  }

  /** Number of distinct messages received. */
  public long received() {
    return inbox.received();
  }

  /** The latest {@code hello}, or null before the first one. */
  public Frames.Hello hello() {
    return hello;
  }

  public String userId() {
    return hello == null ? null : hello.userId();
  }

  public String deviceId() {
    return hello == null ? null : hello.deviceId();
  }

  public String nodeId() {
    return hello == null ? null : hello.nodeId();
  }

  public long heartbeatMs() {
    return hello == null ? 0 : hello.heartbeatMs();
  }

  /** How many times a {@code hello} was received (1 + successful reconnects). */
  public int connections() {
    return connections;
  }

  public boolean isConnected() {
    CompletableFuture<CloseInfo> cf = closeFuture;
    return hello != null && !cf.isDone() && !closed;
  }

  /** The last close, or null. */
  public CloseInfo lastClose() {
    return lastClose;
  }

  /** Blocks until the current connection has received {@code synced}. */
  public void awaitSynced(Duration timeout) throws TimeoutException, InterruptedException {
    try {
      synced.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  public void awaitSynced() throws TimeoutException, InterruptedException {
    awaitSynced(Duration.ofSeconds(10));
  }

  /** Blocks until the current connection closes; returns how. */
  public CloseInfo awaitClose(Duration timeout) throws TimeoutException, InterruptedException {
    try {
      return closeFuture.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException(e.getCause());
    }
  }

  /** Blocks until {@code conversationId} holds at least {@code count} messages. */
  public List<MessageView> awaitMessages(String conversationId, int count, Duration timeout)
      throws TimeoutException, InterruptedException {
    return inbox.awaitMessages(conversationId, count, timeout);
  }

  /** Closes the connection for good: no reconnect; unacknowledged sends fail. */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    CompletableFuture<Void> done = new CompletableFuture<>();
    ctx.runOnContext(
        v -> {
          cancelTimers();
          IllegalStateException ex = new IllegalStateException("client closed");
          sends.failAll(ex);
          if (connecting != null) {
            connecting.completeExceptionally(ex);
          }
          WebSocket w = ws;
          (w == null ? io.vertx.core.Future.<Void>succeededFuture() : w.close((short) 1000, "bye"))
              .onComplete(ar -> done.complete(null));
        });
    if (!Context.isOnEventLoopThread()) { // never block an event loop (e.g. from a listener)
      try {
        done.get(2, TimeUnit.SECONDS);
      } catch (Exception e) {
        LOG.debug("close did not finish cleanly: {}", e.toString());
      }
    }
    if (ownsWsClient) {
      wsClient.close();
    }
    if (ownsVertx) {
      vertx.close();
    }
  }

  // ---- internals (on ctx) ----

  // whenComplete only forwards the outcome to f; the stage it returns is not needed
  @SuppressWarnings("FutureReturnValueIgnored")
  private void doConnect(CompletableFuture<Frames.Hello> f) {
    if (closed) {
      f.completeExceptionally(new IllegalStateException("client closed"));
      return;
    }
    if (ws != null) {
      if (hello != null && helloSeen) {
        f.complete(hello);
      } else {
        connecting.whenComplete((h, e) -> complete(f, h, e));
      }
      return;
    }
    if (connecting != null) {
      connecting.whenComplete((h, e) -> complete(f, h, e));
      return;
    }
    connecting = f;
    helloSeen = false;
    String token = opts.tokenSupplier != null ? opts.tokenSupplier.get() : opts.accessToken;
    String base = opts.baseUrl.replaceFirst("^http", "ws");
    if (base.endsWith("/")) {
      base = base.substring(0, base.length() - 1);
    }
    String uri = base + "/v1/ws";
    WebSocketConnectOptions co = new WebSocketConnectOptions();
    if (opts.tokenInQuery) {
      uri += "?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8);
    } else if (token != null) {
      co.putHeader("Authorization", "Bearer " + token);
    }
    co.setAbsoluteURI(uri);
    wsClient
        .connect(co)
        .onComplete(
            ar -> {
              if (ar.succeeded()) {
                attach(ar.result(), f);
              } else {
                Throwable t = ar.cause();
                if (t instanceof UpgradeRejectedException u) {
                  t = new ParleyClosedException(u.getStatus(), "upgrade rejected");
                }
                connecting = null;
                f.completeExceptionally(t);
                maybeReconnect(t instanceof ParleyClosedException pc ? pc.code() : 1006);
              }
            });
  }

  private void attach(WebSocket w, CompletableFuture<Frames.Hello> f) {
    if (closed) {
      w.close();
      f.completeExceptionally(new IllegalStateException("client closed"));
      return;
    }
    ws = w;
    lastFrameAt = System.currentTimeMillis();
    synced = new CompletableFuture<>();
    closeFuture = new CompletableFuture<>();
    w.textMessageHandler(this::onText);
    w.exceptionHandler(t -> LOG.debug("websocket error: {}", t.toString()));
    w.closeHandler(v -> onClosed(w));
    helloTimer =
        vertx.setTimer(
            opts.helloTimeoutMs,
            id -> {
              helloTimer = -1;
              if (ws == w && !helloSeen) {
                f.completeExceptionally(new TimeoutException("no hello"));
                w.close((short) 1002, "no hello");
              }
            });
  }

  private void onClosed(WebSocket w) {
    if (w != ws) {
      return;
    }
    ws = null;
    cancelTimers();
    Short s = w.closeStatusCode();
    CloseInfo ci = new CloseInfo(s == null ? 1006 : s, w.closeReason());
    lastClose = ci;
    closeFuture.complete(ci);
    if (connecting != null && !helloSeen) {
      connecting.completeExceptionally(new ParleyClosedException(ci.code(), ci.reason()));
    }
    connecting = null;
    listeners.onClose(ci.code(), ci.reason());
    maybeReconnect(ci.code());
  }

  private void maybeReconnect(int code) {
    if (closed || !opts.autoReconnect || reconnectTimer != -1 || connections == 0) {
      return;
    }
    if (code == 4401 && opts.tokenSupplier == null) {
      LOG.info("unauthorized (4401): not reconnecting without a token supplier");
      return;
    }
    long cap = Math.min(opts.reconnectMaxMs, opts.reconnectMinMs << Math.min(reconnectAttempt, 16));
    long delay = cap / 2 + ThreadLocalRandom.current().nextLong(cap / 2 + 1);
    if (reconnectAfterMs >= 0) {
      delay = Math.max(delay, reconnectAfterMs);
      reconnectAfterMs = -1;
    }
    reconnectAttempt++;
    reconnectTimer =
        vertx.setTimer(
            Math.max(1, delay),
            id -> {
              reconnectTimer = -1;
              doConnect(new CompletableFuture<>());
            });
  }

  private void onText(String text) {
    lastFrameAt = System.currentTimeMillis();
    JsonNode frame;
    try {
      frame = Json.MAPPER.readTree(text);
    } catch (IOException e) {
      LOG.warn("unparseable frame from server: {}", text);
      return;
    }
    inbox.recordFrame(frame);
    listeners.onFrame(frame);
    try {
      dispatch(frame);
    } catch (IOException | RuntimeException e) {
      LOG.warn("bad {} frame from server: {}", frame.path("type").asText(), e.toString());
      listeners.onUnknown(frame);
    }
  }

  private void dispatch(JsonNode frame) throws IOException {
    switch (frame.path("type").asText()) {
      case "hello" -> onHello(Json.MAPPER.treeToValue(frame, Frames.Hello.class));
      case "message" -> onMessage(Json.MAPPER.treeToValue(frame.get("message"), MessageView.class));
      case "ack" -> {
        Frames.Ack a = Json.MAPPER.treeToValue(frame, Frames.Ack.class);
        sends.acked(a);
        listeners.onAck(a);
      }
      case "synced" -> {
        delivered.flush();
        synced.complete(null);
        listeners.onSynced();
      }
      case "error" -> onError(Json.MAPPER.treeToValue(frame, Frames.Error.class));
      case "reconnect" -> {
        Frames.Reconnect r = Json.MAPPER.treeToValue(frame, Frames.Reconnect.class);
        listeners.onReconnect(r);
        if (opts.autoReconnect && ws != null) {
          reconnectAfterMs = Math.max(0, r.retryAfterMs());
          reconnectAttempt = 0;
          ws.close((short) 1000, "reconnect requested");
        }
      }
      default -> {
        if (!listeners.announce(frame)) {
          listeners.onUnknown(frame);
        }
      }
    }
  }

  // runs on the client's event loop only; volatile is for readers on other threads
  @SuppressWarnings("NonAtomicVolatileUpdate")
  private void onHello(Frames.Hello h) {
    hello = h;
    helloSeen = true;
    connections++;
    reconnectAttempt = 0;
    cancel(helloTimer);
    helloTimer = -1;
    long interval = opts.pingIntervalMs > 0 ? opts.pingIntervalMs : h.heartbeatMs();
    if (interval > 0) {
      pingTimer = vertx.setPeriodic(interval, id -> heartbeat(interval));
    }
    sends.resendAll();
    if (connecting != null) {
      connecting.complete(h);
    }
    listeners.onHello(h);
  }

  private void heartbeat(long interval) {
    WebSocket w = ws;
    if (w == null) {
      return;
    }
    if (System.currentTimeMillis() - lastFrameAt > 2 * interval + 1000) {
      LOG.info("server silent for over two heartbeats: closing");
      w.close((short) 1001, "server silent");
      return;
    }
    write(Frames.Bare.PING);
  }

  private void onMessage(MessageView m) {
    if (m == null) {
      return;
    }
    if (opts.autoDelivered && m.conversationId() != null) {
      delivered.received(m.conversationId(), m.seq());
    }
    if (inbox.add(m)) {
      listeners.onMessage(m);
    }
  }

  private void onError(Frames.Error e) {
    sends.rejected(e);
    listeners.onError(e);
  }

  /** Writes {@code json} if the connection has completed its handshake (on ctx). */
  private boolean wire(String json) {
    if (ws == null || !helloSeen) {
      return false;
    }
    ws.writeTextMessage(json);
    return true;
  }

  private void write(Object frame) {
    String json = Json.write(frame);
    ctx.runOnContext(
        v -> {
          if (ws != null) {
            ws.writeTextMessage(json);
          }
        });
  }

  private void cancelTimers() {
    cancel(helloTimer);
    cancel(pingTimer);
    delivered.cancel();
    helloTimer = pingTimer = -1;
    if (closed) {
      cancel(reconnectTimer);
      reconnectTimer = -1;
    }
  }

  private void cancel(long timer) {
    if (timer != -1) {
      vertx.cancelTimer(timer);
    }
  }

  private static <T> void complete(CompletableFuture<T> f, T value, Throwable error) {
    if (error != null) {
      f.completeExceptionally(error);
    } else {
      f.complete(value);
    }
  }
}
