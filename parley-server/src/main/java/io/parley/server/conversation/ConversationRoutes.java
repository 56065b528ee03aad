package io.parley.server.conversation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.server.abuse.MessageRateLimits;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.parley.server.messaging.MessageJson;
import io.parley.server.messaging.MessagingService;
import io.parley.server.messaging.ReceiptService;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.ArrayList;
import java.util.List;

/** REST: conversations, history, REST send and read marks, and groups (API.md). */
public final class ConversationRoutes {
  private final ConversationService conversations;
  private final GroupService groups;
  private final MessagingService messaging;
  private final ReceiptService receipts;
  private final Authenticator auth;
  private final MessageRateLimits limits;

  public ConversationRoutes(
      ConversationService conversations,
      GroupService groups,
      MessagingService messaging,
      ReceiptService receipts,
      Authenticator auth,
      MessageRateLimits limits) {
    this.limits = limits;
    this.conversations = conversations;
    this.groups = groups;
    this.messaging = messaging;
    this.receipts = receipts;
    this.auth = auth;
  }

  /** A {@code PATCH /v1/groups/{id}} field owned by another feature. */
  @FunctionalInterface
  public interface GroupPatchField {
    /**
     * Validates the field in {@code body} (throwing {@code invalid_argument}) and returns what
     * applies it after the rename, or null when the field is absent.
     */
    Runnable prepare(long callerId, long groupId, ObjectNode body);
  }

  private final List<GroupPatchField> patchFields = new ArrayList<>();

  /** Adds a field handled by {@code PATCH /v1/groups/{id}}; call before {@link #mount}. */
  public ConversationRoutes withPatchField(GroupPatchField field) {
    patchFields.add(field);
    return this;
  }

  public void mount(Router r) {
    r.route("/v1/conversations*").handler(Http.requireAuth(auth));
    r.route("/v1/groups*").handler(Http.requireAuth(auth));
    r.post("/v1/conversations/direct")
        .handler(
            Http.blocking(
                ctx -> {
                  long other = Fields.requiredId(Http.bodyObject(ctx), "user_id");
                  return Response.ok(conversations.direct(me(ctx).userId(), other));
                }));
    r.get("/v1/conversations")
        .handler(Http.blocking(ctx -> Response.ok(conversations.list(me(ctx).userId()))));
    r.get("/v1/conversations/:id/messages").handler(Http.blocking(this::history));
    r.post("/v1/conversations/:id/messages").handler(Http.blocking(this::send));
    r.post("/v1/conversations/:id/read")
        .handler(
            Http.blocking(
                ctx -> {
                  ObjectNode body = Http.bodyObject(ctx);
                  if (!body.hasNonNull("seq")
                      || !body.get("seq").isIntegralNumber()
                      || !body.get("seq").canConvertToLong()) {
                    // a seq beyond 2^63-1 must not wrap around to a small number
                    throw ApiException.invalid("seq must be an integer");
                  }
                  long conv = pathId(ctx, "id");
                  conversations.requireMember(me(ctx).userId(), conv);
                  // stored before the 204, so the next GET /v1/conversations shows it
                  receipts.readAndFlush(me(ctx), conv, body.get("seq").asLong());
                  return Response.noContent();
                }));

    r.post("/v1/groups")
        .handler(
            Http.blocking(
                ctx -> {
                  ObjectNode body = Http.bodyObject(ctx);
                  String name = Fields.requiredString(body, "name", 1024);
                  return Response.created(
                      groups.create(
                          me(ctx).userId(),
                          name,
                          Fields.idList(body, "member_ids", false, Integer.MAX_VALUE)));
                }));
    r.get("/v1/groups/:id")
        .handler(
            Http.blocking(ctx -> Response.ok(groups.get(me(ctx).userId(), pathId(ctx, "id")))));
    r.patch("/v1/groups/:id")
        .handler(
            Http.blocking(
                ctx -> {
                  ObjectNode body = Http.bodyObject(ctx);
                  long id = pathId(ctx, "id");
                  String name = Fields.optionalString(body, "name", 1024);
                  Boolean history = null;
                  var h = body.get("history_visible_to_new_members");
                  if (h != null && !h.isNull()) {
                    if (!h.isBoolean()) {
                      throw ApiException.invalid(
                          "history_visible_to_new_members must be a boolean");
                    }
                    history = h.booleanValue();
                  }
                  // fields of other features (retention_days): validated before any change
                  List<Runnable> extra = new ArrayList<>();
                  for (GroupPatchField f : patchFields) {
                    Runnable apply = f.prepare(me(ctx).userId(), id, body);
                    if (apply != null) {
                      extra.add(apply);
                    }
                  }
                  if (name == null && history == null) {
                    extra.forEach(Runnable::run);
                    return Response.ok(groups.get(me(ctx).userId(), id));
                  }
                  var updated = groups.update(me(ctx).userId(), id, name, history);
                  extra.forEach(Runnable::run);
                  return Response.ok(updated);
                }));
    r.post("/v1/groups/:id/members")
        .handler(
            Http.blocking(
                ctx -> {
                  ObjectNode body = Http.bodyObject(ctx);
                  return Response.ok(
                      groups.addMembers(
                          me(ctx).userId(),
                          pathId(ctx, "id"),
                          Fields.idList(body, "user_ids", false, Integer.MAX_VALUE)));
                }));
    r.delete("/v1/groups/:id/members/:user_id")
        .handler(
            Http.blocking(
                ctx -> {
                  groups.removeMember(me(ctx).userId(), pathId(ctx, "id"), pathId(ctx, "user_id"));
                  return Response.noContent();
                }));
    r.put("/v1/groups/:id/members/:user_id/role")
        .handler(
            Http.blocking(
                ctx -> {
                  String role = Fields.requiredString(Http.bodyObject(ctx), "role", 16);
                  groups.setRole(me(ctx).userId(), pathId(ctx, "id"), pathId(ctx, "user_id"), role);
                  return Response.noContent();
                }));
    r.post("/v1/groups/:id/leave")
        .handler(
            Http.blocking(
                ctx -> {
                  groups.leave(me(ctx).userId(), pathId(ctx, "id"));
                  return Response.noContent();
                }));
  }

  private Response history(RoutingContext ctx) {
    long conv = pathId(ctx, "id");
    Long before = optLong(ctx, "before_seq");
    Long after = optLong(ctx, "after_seq");
    Long limit = optLong(ctx, "limit");
    return Response.ok(
        conversations.history(
            me(ctx).userId(), conv, before, after, limit == null ? 50 : limit.intValue()));
  }

  private Response send(RoutingContext ctx) throws Exception {
    limits.check(me(ctx).userId(), ctx.body().length());
    ObjectNode body = Http.bodyObject(ctx);
    String clientMsgId = MessagingService.checkClientMsgId(body.get("client_msg_id"));
    long conv = pathId(ctx, "id");
    var result = messaging.send(me(ctx), conv, clientMsgId, body.get("body")).join();
    return Response.created("{\"message\":" + MessageJson.object(result.message()) + "}");
  }

  private static Principal me(RoutingContext ctx) {
    return Http.principal(ctx);
  }

  private static long pathId(RoutingContext ctx, String name) {
    return Fields.parseId(ctx.pathParam(name), name);
  }

  private static Long optLong(RoutingContext ctx, String name) {
    String v = ctx.queryParams().get(name);
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      long n = Long.parseLong(v);
      if (n < 0) {
        throw ApiException.invalid(name + " must not be negative");
      }
      return n;
    } catch (NumberFormatException e) {
      throw ApiException.invalid(name + " must be an integer");
    }
  }
}
