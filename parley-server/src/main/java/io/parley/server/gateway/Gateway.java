package io.parley.server.gateway;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.Utf8FrameValidator;
import io.netty.handler.codec.http.websocketx.WebSocketDecoderConfig;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshaker;
import io.netty.handler.codec.http.websocketx.WebSocketServerHandshakerFactory;
import io.parley.protocol.CloseCodes;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.abuse.ConnectionAdmission;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Principal;
import io.parley.server.config.ParleyConfig;
import io.parley.server.edge.WebSocketUpgrades;
import io.parley.server.presence.PresenceService;
import io.vertx.core.Vertx;
import java.time.Clock;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket endpoint {@code /v1/ws}, on the front door's Netty channels: authenticates the
 * token (header or {@code access_token} query parameter) on a worker before the handshake (a
 * failure completes the handshake, then closes with 4401), sends {@code hello}, registers the
 * connection, replays the device's backlog, and keeps it alive with server pings (a connection
 * silent for two heartbeat intervals is closed with 4408). Frames are handled by {@link
 * FrameHandler}.
 *
 * <p>The frame decoder enforces RFC 6455: masked client frames, no reserved bits (no extension is
 * negotiated, so RSV1 "compressed" frames close with 1002), frames and reassembled messages at most
 * {@code websocket.max_frame_bytes} (1009), valid UTF-8 in text (1007).
 */
public final class Gateway implements WebSocketUpgrades {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  public static final String PATH = WebSocketUpgrades.PATH;

  private final Vertx vertx;
  private final Authenticator auth;
  private final ConnectionRegistry registry;
  private final SyncService sync;
  private final PresenceService presence;
  private final FrameHandler frames;
  private final ExecutorService workers;
  private final ParleyConfig.WebSocket cfg;
  private final String nodeId;
  private final Clock clock;
  private final Connection.Limits limits;
  private final WebSocketDecoderConfig decoderConfig;
  private final ConnectionAdmission admission;
  private volatile boolean draining;
  private volatile GapFiller gapFiller;
  private long timerId = -1;

  public Gateway(
      Vertx vertx,
      Authenticator auth,
      ConnectionRegistry registry,
      SyncService sync,
      PresenceService presence,
      FrameHandler frames,
      ExecutorService workers,
      ParleyConfig.WebSocket cfg,
      String nodeId,
      Clock clock,
      ConnectionAdmission admission) {
    this.admission = admission;
    this.vertx = vertx;
    this.auth = auth;
    this.registry = registry;
    this.sync = sync;
    this.presence = presence;
    this.frames = frames;
    this.workers = workers;
    this.cfg = cfg;
    this.nodeId = nodeId;
    this.clock = clock;
    this.limits = new Connection.Limits(cfg.outboundQueueBytes(), cfg.syncBufferFrames());
    this.decoderConfig =
        WebSocketDecoderConfig.newBuilder()
            .maxFramePayloadLength(cfg.maxFrameBytes())
            .expectMaskedFrames(true)
            .allowMaskMismatch(false)
            .allowExtensions(false)
            // Connection.failProtocol closes (close frame, FIN, then discard until the peer is
            // done)
            .closeOnProtocolViolation(false)
            .withUTF8Validator(true)
            .build();
  }

  /** Recovers seq gaps in live message frames from the store (null: frames pass unchecked). */
  public void setGapFiller(GapFiller gapFiller) {
    this.gapFiller = gapFiller;
  }

  GapFiller gapFiller() {
    return gapFiller;
  }

  /** Starts the heartbeat / idle sweep. */
  public void start() {
    long period = Math.max(50, cfg.heartbeatMs() / 4);
    timerId = vertx.setPeriodic(period, id -> sweep());
  }

  public void stop() {
    draining = true;
    if (timerId >= 0) {
      vertx.cancelTimer(timerId);
    }
  }

  /**
   * A new WebSocket: the single admission path. Connection caps and per-address limits belong here,
   * before the token is checked ({@code ch.remoteAddress()} is the client). Nothing is read from
   * the socket until the connection is open.
   */
  @Override
  public void upgrade(Channel ch, FullHttpRequest req) {
    if (draining) {
      req.release();
      respond(ch, HttpResponseStatus.SERVICE_UNAVAILABLE);
      return;
    }
    sync.noteConnect();
    String token = token(req);
    if (token == null) {
      handshake(ch, req, () -> closeUnauthorized(ch, "missing access token"));
      return;
    }
    try {
      workers.execute(
          () -> {
            Principal p;
            String why;
            try {
              p = auth.authenticate(token);
              why = null;
            } catch (ApiException e) {
              p = null;
              why = e.getMessage();
            } catch (RuntimeException e) {
              log.error("token check failed", e);
              p = null;
              why = "unauthorized";
            }
            Principal principal = p;
            String reason = why;
            ch.eventLoop()
                .execute(
                    () ->
                        handshake(
                            ch,
                            req,
                            () -> {
                              if (principal == null) {
                                closeUnauthorized(ch, reason);
                              } else {
                                open(ch, principal);
                              }
                            }));
          });
    } catch (RejectedExecutionException e) {
      req.release();
      respond(ch, HttpResponseStatus.SERVICE_UNAVAILABLE);
    }
  }

  /** Completes the handshake (101) and runs {@code then}; a bad handshake gets a 400. */
  private void handshake(Channel ch, FullHttpRequest req, Runnable then) {
    try {
      if (!ch.isActive()) {
        return;
      }
      WebSocketServerHandshaker hs =
          new WebSocketServerHandshakerFactory("ws://parley" + PATH, null, decoderConfig)
              .newHandshaker(req);
      if (hs == null) {
        ch.pipeline().addLast("http", new HttpServerCodec());
        WebSocketServerHandshakerFactory.sendUnsupportedVersionResponse(ch)
            .addListener(ChannelFutureListener.CLOSE);
        return;
      }
      ch.pipeline().addLast("http", new HttpServerCodec());
      hs.handshake(ch, req)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      then.run();
                    } else {
                      log.debug("websocket handshake failed: {}", f.cause().toString());
                      respond(ch, HttpResponseStatus.BAD_REQUEST);
                    }
                  });
    } catch (RuntimeException e) {
      // a malformed upgrade request (missing key, ...)
      log.debug("bad websocket handshake: {}", e.toString());
      respond(ch, HttpResponseStatus.BAD_REQUEST);
    } finally {
      req.release();
    }
  }

  private static String clientIp(Channel ch) {
    return ch.remoteAddress() instanceof java.net.InetSocketAddress a && a.getAddress() != null
        ? a.getAddress().getHostAddress()
        : null;
  }

  private static void closeUnauthorized(Channel ch, String reason) {
    closeWith(ch, CloseCodes.UNAUTHORIZED, reason);
  }

  private static void closeWith(Channel ch, int code, String reason) {
    ch.writeAndFlush(new CloseWebSocketFrame(code, reason))
        .addListener(ChannelFutureListener.CLOSE);
  }

  private static void respond(Channel ch, HttpResponseStatus status) {
    if (ch.pipeline().get(HttpServerCodec.class) == null) {
      ch.pipeline().addLast("http", new HttpServerCodec());
    }
    DefaultFullHttpResponse res =
        new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.EMPTY_BUFFER);
    res.headers().set(HttpHeaderNames.CONTENT_LENGTH, 0).set(HttpHeaderNames.CONNECTION, "close");
    ch.writeAndFlush(res).addListener(ChannelFutureListener.CLOSE);
  }

  /**
   * Runs on the channel's event loop after a successful handshake with a valid token. The socket
   * does not read until admitted; a cluster-wide decision continues on the channel's event loop.
   */
  // the decision's continuation answers the client itself; the stage it returns is not needed
  @SuppressWarnings("FutureReturnValueIgnored")
  private void open(Channel ch, Principal p) {
    CompletableFuture<ConnectionAdmission.Decision> decision =
        admission.admit(clientIp(ch), p.userId(), p.deviceId()).toCompletableFuture();
    if (decision.isDone()) {
      opened(ch, p, decision.join());
    } else {
      decision.thenAccept(d -> ch.eventLoop().execute(() -> opened(ch, p, d)));
    }
  }

  private void opened(Channel ch, Principal p, ConnectionAdmission.Decision admitted) {
    if (!admitted.admitted()) {
      closeWith(ch, admitted.closeCode(), admitted.reason());
      return;
    }
    if (!ch.isActive()) {
      admission.release(p.userId(), p.deviceId()); // gone while the decision was on its way
      return;
    }
    WebSocketTransport t = new WebSocketTransport(ch);
    Connection c = newConnection(t, p);
    ch.pipeline()
        .addLast("utf8", new Utf8FrameValidator(false))
        .addLast("messages", new WebSocketFrameAggregator(cfg.maxFrameBytes()))
        .addLast("parley", new SocketHandler(c, t, frames, clock));
    admit(c, Map.of());
    ch.closeFuture()
        .addListener(
            f -> {
              c.gone();
              admission.release(p.userId(), p.deviceId());
            });
    ch.config().setAutoRead(true);
    ch.read();
  }

  /** A connection of an authenticated device over {@code t}, with this node's limits. */
  public Connection newConnection(Transport t, Principal p) {
    Connection c = new Connection(t, p.userId(), p.deviceId(), limits, clock.millis());
    c.setGapFiller(gapFiller);
    return c;
  }

  /** True once the node drains or stops: new connections of any transport are refused (503). */
  public boolean draining() {
    return draining;
  }

  /**
   * Opens an authenticated connection of any transport: sends {@code hello}, registers it (live
   * frames start to flow), counts it for presence, and replays the device's backlog on a worker,
   * starting after {@code resumeAfter} where that is ahead of the device's stored positions
   * (conversation id to seq; SSE's {@code Last-Event-ID}). The transport must call {@link
   * Connection#gone()} when it ends.
   */
  public void admit(Connection c, Map<Long, Long> resumeAfter) {
    admit(c, resumeAfter, () -> {});
  }

  /**
   * The connection caps and per-address connects ({@link ConnectionAdmission}) for a transport
   * other than the WebSocket (SSE), applied like the WebSocket's: a refused connection must not be
   * opened; an admitted one (counted now) must be opened with {@link #admitCounted}, which releases
   * it when it is gone.
   *
   * @param ip the client's address
   */
  public CompletionStage<ConnectionAdmission.Decision> admission(String ip, Principal p) {
    return admission.admit(ip, p.userId(), p.deviceId());
  }

  /** Gives back an admission that {@link #admission} granted but that was not opened. */
  public void releaseAdmission(Principal p) {
    admission.release(p.userId(), p.deviceId());
  }

  /** {@link #admit(Connection, Map)} for a connection {@link #admission} admitted. */
  public void admitCounted(Connection c, Map<Long, Long> resumeAfter) {
    admit(c, resumeAfter, () -> admission.release(c.userId(), c.deviceId()));
  }

  private void admit(Connection c, Map<Long, Long> resumeAfter, Runnable released) {
    c.send(
        Json.write(
            new Frames.Hello(
                Long.toString(c.userId()),
                Long.toString(c.deviceId()),
                nodeId,
                cfg.heartbeatMs())));
    int count = registry.add(c);
    c.onGone(
        () -> {
          presence.disconnected(c, registry.remove(c));
          released.run();
        });
    presence.connected(c.userId(), count);
    sync.start(
        c,
        resumeAfter,
        e -> {
          log.error("backlog replay failed for device {}", c.deviceId(), e);
          c.close(CloseCodes.RESTARTING, "replay failed, reconnect");
        });
  }

  private static String token(FullHttpRequest req) {
    String header = req.headers().get("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    List<String> q = new QueryStringDecoder(req.uri()).parameters().get("access_token");
    return q == null || q.isEmpty() ? null : q.get(0);
  }

  private void sweep() {
    long now = clock.millis();
    long hb = cfg.heartbeatMs();
    registry.forEach(
        c -> {
          long idle = now - c.lastActivity();
          if (idle > 2 * hb) {
            c.close(CloseCodes.IDLE_TIMEOUT, "idle timeout");
          } else if (idle >= hb / 2 && c.pingDue(now, hb)) {
            c.ping();
          }
        });
  }

  /** Tells every client to reconnect elsewhere and closes its socket (graceful drain). */
  public void drain(long retryAfterMs) {
    draining = true;
    String frame = Json.write(new Frames.Reconnect("node draining", retryAfterMs));
    Consumer<Connection> tell =
        c -> {
          c.send(frame);
          c.closeAfter(200, CloseCodes.RESTARTING, "node restarting");
        };
    registry.forEach(tell);
  }
}
