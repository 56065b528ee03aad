package io.parley.server.gateway;

import io.parley.protocol.CloseCodes;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.abuse.ConnectionAdmission;
import io.parley.server.config.ParleyConfig;
import io.parley.server.http.ApiException;
import io.parley.server.http.Authenticator;
import io.parley.server.http.Principal;
import io.parley.server.presence.PresenceService;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.ServerWebSocketHandshake;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The WebSocket endpoint {@code /v1/ws}: authenticates the token (header or {@code access_token}
 * query parameter; failure closes with 4401), sends {@code hello}, registers the connection,
 * replays the device's backlog, and keeps it alive with server pings (a connection silent for two
 * heartbeat intervals is closed with 4408). Frames are handled by {@link FrameHandler}.
 */
public final class Gateway {
  private static final Logger log = LoggerFactory.getLogger(Gateway.class);
  public static final String PATH = "/v1/ws";

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
  private final ConnectionAdmission admission;
  private volatile boolean draining;
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
  }

  /** Accepts upgrades on {@link #PATH} only. */
  public void handshake(ServerWebSocketHandshake h) {
    if (PATH.equals(h.path()) && !draining) {
      h.accept();
    } else {
      h.reject(draining ? 503 : 404);
    }
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

  public void handle(ServerWebSocket ws) {
    ws.pause();
    Context ctx = Vertx.currentContext();
    String token = token(ws);
    if (token == null) {
      ws.close(CloseCodes.UNAUTHORIZED, "missing access token");
      return;
    }
    vertx
        .executeBlocking(() -> auth.authenticate(token), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                String why = ar.cause() instanceof ApiException e ? e.getMessage() : "unauthorized";
                ws.close(CloseCodes.UNAUTHORIZED, why);
              } else {
                open(ws, ctx, ar.result());
              }
            });
  }

  private void open(ServerWebSocket ws, Context ctx, Principal p) {
    if (ws.isClosed()) {
      return;
    }
    ConnectionAdmission.Decision admitted =
        admission.admit(
            ws.remoteAddress() == null ? null : ws.remoteAddress().hostAddress(),
            p.userId(),
            p.deviceId());
    if (!admitted.admitted()) {
      ws.close(admitted.closeCode(), admitted.reason());
      return;
    }
    Connection c =
        new Connection(
            ws,
            ctx,
            p.userId(),
            p.deviceId(),
            cfg.outboundQueueBytes(),
            cfg.syncBufferFrames(),
            clock.millis());
    c.send(
        Json.write(
            new Frames.Hello(
                Long.toString(p.userId()),
                Long.toString(p.deviceId()),
                nodeId,
                cfg.heartbeatMs())));
    ws.textMessageHandler(text -> frames.onText(c, text));
    ws.binaryMessageHandler(b -> frames.onBinary(c, b));
    ws.pongHandler(b -> c.touch(clock.millis()));
    ws.exceptionHandler(
        t -> log.debug("websocket error for device {}: {}", p.deviceId(), t.toString()));
    int count = registry.add(c);
    c.onGone(
        () -> {
          admission.release(p.userId(), p.deviceId());
          presence.disconnected(c, registry.remove(c));
        });
    ws.closeHandler(v -> c.gone());
    presence.connected(p.userId(), count);
    ws.resume();
    workers.execute(
        () -> {
          try {
            sync.replay(c);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          } catch (RuntimeException e) {
            log.error("backlog replay failed for device {}", p.deviceId(), e);
            c.close(CloseCodes.RESTARTING, "replay failed, reconnect");
          }
        });
  }

  private static String token(ServerWebSocket ws) {
    String header = ws.headers().get("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    String q = ws.query();
    if (q != null) {
      for (String part : q.split("&")) {
        if (part.startsWith("access_token=")) {
          return java.net.URLDecoder.decode(
              part.substring("access_token=".length()), java.nio.charset.StandardCharsets.UTF_8);
        }
      }
    }
    return null;
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
            c.context().runOnContext(v -> c.socket().writePing(Buffer.buffer("hb")));
          }
        });
  }

  /** Tells every client to reconnect elsewhere and closes its socket (graceful drain). */
  public void drain(long retryAfterMs) {
    draining = true;
    String frame = Json.write(new Frames.Reconnect("node draining", retryAfterMs));
    registry.forEach(
        c -> {
          c.send(frame);
          c.context()
              .runOnContext(
                  v -> vertx.setTimer(200, t -> c.close(CloseCodes.RESTARTING, "node restarting")));
        });
  }
}
