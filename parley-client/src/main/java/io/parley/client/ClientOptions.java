package io.parley.client;

import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import java.util.function.Supplier;

/**
 * Settings of a {@link ParleyClient} (fluent, mutable; copy before sharing). Only {@code baseUrl}
 * and a token (or token supplier) are required.
 *
 * <p>To run thousands of clients, pass one shared {@link Vertx} and one shared {@link
 * WebSocketClient} from {@link ParleyClient#newWebSocketClient(Vertx)}; otherwise each client
 * creates (and closes) its own.
 */
public final class ClientOptions {
  String baseUrl;
  String accessToken;
  Supplier<String> tokenSupplier;
  Vertx vertx;
  WebSocketClient webSocketClient;
  boolean tokenInQuery;
  boolean autoReconnect;
  long reconnectMinMs = 100;
  long reconnectMaxMs = 10_000;
  long ackTimeoutMs = 5_000;
  long helloTimeoutMs = 10_000;
  long pingIntervalMs;
  boolean autoDelivered = true;
  long deliveredDelayMs = 50;
  boolean keepInbox = true;
  int dedupeCapacity = 100_000;
  int maxRecordedFrames = 10_000;

  public ClientOptions(String baseUrl, String accessToken) {
    this.baseUrl = baseUrl;
    this.accessToken = accessToken;
  }

  /** Base URL of the server, {@code http(s)://host:port}; the client connects to /v1/ws. */
  public ClientOptions baseUrl(String v) {
    baseUrl = v;
    return this;
  }

  public ClientOptions accessToken(String v) {
    accessToken = v;
    return this;
  }

  /** Called on every (re)connect for a fresh token; takes precedence over the fixed token. */
  public ClientOptions tokenSupplier(Supplier<String> v) {
    tokenSupplier = v;
    return this;
  }

  /** A shared Vert.x instance (not closed by the client). */
  public ClientOptions vertx(Vertx v) {
    vertx = v;
    return this;
  }

  /** A shared WebSocket client (not closed by the client); requires {@link #vertx(Vertx)}. */
  public ClientOptions webSocketClient(WebSocketClient v) {
    webSocketClient = v;
    return this;
  }

  /** Send the token as {@code ?access_token=} instead of the Authorization header. */
  public ClientOptions tokenInQuery(boolean v) {
    tokenInQuery = v;
    return this;
  }

  /** Reconnect with exponential backoff after the connection drops (default off). */
  public ClientOptions autoReconnect(boolean v) {
    autoReconnect = v;
    return this;
  }

  public ClientOptions reconnectBackoff(long minMs, long maxMs) {
    reconnectMinMs = minMs;
    reconnectMaxMs = maxMs;
    return this;
  }

  /** Resend an unacknowledged {@code send} (same client_msg_id) after this long (default 5 s). */
  public ClientOptions ackTimeoutMs(long v) {
    ackTimeoutMs = v;
    return this;
  }

  public ClientOptions helloTimeoutMs(long v) {
    helloTimeoutMs = v;
    return this;
  }

  /** App-level ping interval; 0 (default) uses the server's {@code heartbeat_ms}. */
  public ClientOptions pingIntervalMs(long v) {
    pingIntervalMs = v;
    return this;
  }

  /** Automatically acknowledge received messages with batched {@code delivered} (default on). */
  public ClientOptions autoDelivered(boolean v) {
    autoDelivered = v;
    return this;
  }

  /** How long received messages are batched before one {@code delivered} per conversation. */
  public ClientOptions deliveredDelayMs(long v) {
    deliveredDelayMs = v;
    return this;
  }

  /** Keep received messages and frames for {@code messages()} / {@code frames()} (default on). */
  public ClientOptions keepInbox(boolean v) {
    keepInbox = v;
    return this;
  }

  /** How many recent message ids are remembered to drop redeliveries (default 100,000). */
  public ClientOptions dedupeCapacity(int v) {
    dedupeCapacity = v;
    return this;
  }

  public ClientOptions maxRecordedFrames(int v) {
    maxRecordedFrames = v;
    return this;
  }
}
