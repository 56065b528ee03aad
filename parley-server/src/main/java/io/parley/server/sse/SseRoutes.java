package io.parley.server.sse;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.abuse.ConnectionAdmission;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.Outbound;
import io.parley.server.gateway.Connection;
import io.parley.server.gateway.ConnectionRegistry;
import io.parley.server.gateway.Gateway;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.parley.server.messaging.MessageStore;
import io.parley.server.messaging.ReceiptService;
import io.parley.server.presence.PresenceService;
import io.vertx.core.Context;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The fallback transport (F19): {@code GET /v1/events}, a Server-Sent Events stream carrying the
 * same server frames as the WebSocket through the same {@link Connection} (registry, broker, sync,
 * presence, revocation, heartbeats, drain), plus the REST calls that stand in for the WebSocket's
 * client frames: {@code delivered}, {@code typing} and presence subscriptions of the device's
 * streams. Sending and read marks already have REST endpoints.
 */
public final class SseRoutes {
  public static final String PATH = "/v1/events";

  private final Gateway gateway;
  private final ConnectionRegistry registry;
  private final Authenticator auth;
  private final MessageStore messages;
  private final Memberships memberships;
  private final ReceiptService receipts;
  private final PresenceService presence;
  private final Broker broker;
  private final Clock clock;

  public SseRoutes(
      Gateway gateway,
      ConnectionRegistry registry,
      Authenticator auth,
      MessageStore messages,
      Memberships memberships,
      ReceiptService receipts,
      PresenceService presence,
      Broker broker,
      Clock clock) {
    this.gateway = gateway;
    this.registry = registry;
    this.auth = auth;
    this.messages = messages;
    this.memberships = memberships;
    this.receipts = receipts;
    this.presence = presence;
    this.broker = broker;
    this.clock = clock;
  }

  public void mount(Router r) {
    r.get(PATH).handler(this::events);
    r.post("/v1/conversations/:id/delivered")
        .handler(Http.requireAuth(auth))
        .handler(
            Http.blocking(
                ctx -> {
                  receipts.delivered(me(ctx), pathId(ctx), seq(Http.bodyObject(ctx)));
                  return Response.noContent();
                }));
    r.post("/v1/conversations/:id/typing")
        .handler(Http.requireAuth(auth))
        .handler(Http.blocking(this::typing));
    presenceRoute(r, "subscribe", presence::subscribe);
    presenceRoute(r, "unsubscribe", presence::unsubscribe);
  }

  /**
   * {@code POST /v1/events/presence/<action>}: applies {@code op} to each of the caller's streams.
   */
  private void presenceRoute(
      Router r, String action, java.util.function.BiConsumer<Connection, List<Long>> op) {
    r.post(PATH + "/presence/" + action)
        .handler(Http.requireAuth(auth))
        .handler(
            Http.blocking(
                ctx -> {
                  List<Long> ids = Fields.idList(Http.bodyObject(ctx), "user_ids", true, 1000);
                  for (Connection c : streams(me(ctx))) {
                    op.accept(c, ids);
                  }
                  return Response.noContent();
                }));
  }

  /** Opens a stream: token, {@code Last-Event-ID}, then the shared connection path. */
  private void events(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (gateway.draining()) {
      Http.fail(ctx, new ApiException(io.parley.protocol.ErrorCode.UNAVAILABLE, "node draining"));
      return;
    }
    String token = token(req);
    if (token == null) {
      Http.fail(ctx, ApiException.unauthorized("missing access token"));
      return;
    }
    String lastId = req.getHeader("Last-Event-ID");
    if (lastId == null) {
      lastId = req.getParam("last_event_id");
    }
    Map<Long, Long> resume;
    try {
      resume = EventIds.parse(lastId);
    } catch (ApiException e) {
      Http.fail(ctx, e);
      return;
    }
    Context context = ctx.vertx().getOrCreateContext();
    ctx.vertx()
        .executeBlocking(
            () -> {
              Principal p = auth.authenticate(token);
              return Map.entry(p, ahead(p, resume));
            },
            false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Http.fail(ctx, ar.cause());
              } else {
                open(ctx, context, req, ar.result().getKey(), ar.result().getValue());
              }
            });
  }

  /**
   * The resume positions worth keeping: conversations of the user where the client is ahead of the
   * device's stored delivered position (the rest the replay gets right anyway).
   */
  private Map<Long, Long> ahead(Principal p, Map<Long, Long> resume) {
    if (resume.isEmpty()) {
      return resume;
    }
    Map<Long, Long> stored = messages.devicePositions(p.deviceId());
    Map<Long, Long> out = new TreeMap<>();
    resume.forEach(
        (conv, seq) -> {
          if (seq > stored.getOrDefault(conv, 0L) && memberships.isMember(conv, p.userId())) {
            out.put(conv, seq);
          }
        });
    return out;
  }

  private void open(
      RoutingContext ctx,
      Context context,
      HttpServerRequest req,
      Principal p,
      Map<Long, Long> start) {
    HttpServerResponse res = req.response();
    if (res.closed() || res.ended()) {
      return;
    }
    // the WebSocket's connection caps per device and user, and connects per address (F14); the
    // decision may come from Redis (cluster mode): continue on this request's context
    gateway
        .admission(req.remoteAddress() == null ? null : req.remoteAddress().hostAddress(), p)
        .whenComplete(
            (admitted, err) ->
                context.runOnContext(v -> openAdmitted(ctx, context, req, p, start, admitted)));
  }

  private void openAdmitted(
      RoutingContext ctx,
      Context context,
      HttpServerRequest req,
      Principal p,
      Map<Long, Long> start,
      ConnectionAdmission.Decision admitted) {
    if (admitted == null) {
      Http.fail(
          ctx,
          new ApiException(
              io.parley.protocol.ErrorCode.UNAVAILABLE, "connection admission failed"));
      return;
    }
    if (!admitted.admitted()) {
      Http.fail(
          ctx,
          new ApiException(
              io.parley.protocol.ErrorCode.RATE_LIMITED,
              admitted.reason(),
              admitted.retryAfterMs() > 0 ? admitted.retryAfterMs() : null));
      return;
    }
    HttpServerResponse res = req.response();
    if (res.closed() || res.ended()) {
      gateway.releaseAdmission(p); // the client left while the decision was on its way
      return;
    }
    res.setChunked(true)
        .putHeader("Content-Type", "text/event-stream; charset=utf-8")
        .putHeader("Cache-Control", "no-store")
        .putHeader("X-Accel-Buffering", "no");
    SseTransport t = new SseTransport(context, req, start, clock);
    Connection c = gateway.newConnection(t, p);
    t.bind(c);
    // headers and a reconnect delay go out at once, before the hello
    res.write("retry: 1000\n\n");
    gateway.admitCounted(c, start);
  }

  private Response typing(RoutingContext ctx) {
    Principal me = me(ctx);
    long conv = pathId(ctx);
    String state = Fields.requiredString(Http.bodyObject(ctx), "state", 8);
    if (!state.equals("start") && !state.equals("stop")) {
      throw ApiException.invalid("state must be start or stop");
    }
    if (!memberships.isMember(conv, me.userId())) {
      throw ApiException.forbidden("not a member of this conversation");
    }
    List<Long> others = new ArrayList<>();
    for (long u : memberships.members(conv)) {
      if (u != me.userId()) {
        others.add(u);
      }
    }
    String json =
        Json.write(new Frames.Typing(Long.toString(conv), Long.toString(me.userId()), state));
    broker.publish(others, Outbound.of(json), 0);
    return Response.noContent();
  }

  /** The caller device's open connections on this node; {@code conflict} if it has none. */
  private List<Connection> streams(Principal p) {
    List<Connection> out = new ArrayList<>();
    for (Connection c : registry.of(p.userId())) {
      if (c.deviceId() == p.deviceId() && !c.isClosed()) {
        out.add(c);
      }
    }
    if (out.isEmpty()) {
      throw new ApiException(
          io.parley.protocol.ErrorCode.CONFLICT, "this device has no open event stream");
    }
    return out;
  }

  private static String token(HttpServerRequest req) {
    String header = req.getHeader("Authorization");
    if (header != null && header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return header.substring(7).trim();
    }
    return req.getParam("access_token");
  }

  private static Principal me(RoutingContext ctx) {
    return Http.principal(ctx);
  }

  private static long pathId(RoutingContext ctx) {
    return Fields.parseId(ctx.pathParam("id"), "id");
  }

  private static long seq(ObjectNode body) {
    if (!body.hasNonNull("seq") || !body.get("seq").isIntegralNumber()) {
      throw ApiException.invalid("seq must be an integer");
    }
    return body.get("seq").asLong();
  }
}
