package io.parley.server.retention;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.conversation.ConversationRoutes;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.vertx.ext.web.Router;

/**
 * {@code GET|PUT /v1/conversations/{id}/retention} ({@code {retention_days}}, any conversation
 * type) and the {@code retention_days} field of {@code PATCH /v1/groups/{id}}.
 */
public final class RetentionRoutes {
  private final RetentionService retention;
  private final Authenticator auth;

  public RetentionRoutes(RetentionService retention, Authenticator auth) {
    this.retention = retention;
    this.auth = auth;
  }

  /** The {@code retention_days} field of {@code PATCH /v1/groups/{id}}. */
  public ConversationRoutes.GroupPatchField groupPatchField() {
    return (callerId, groupId, body) -> {
      if (!body.has("retention_days")) {
        return null;
      }
      int days = RetentionService.checkDays(body.get("retention_days"));
      return () -> retention.set(callerId, groupId, days);
    };
  }

  public void mount(Router r) {
    r.route("/v1/conversations/:id/retention").handler(Http.requireAuth(auth));
    r.get("/v1/conversations/:id/retention")
        .handler(
            Http.blocking(
                ctx ->
                    Response.ok(
                        retention.get(
                            Http.principal(ctx).userId(),
                            Fields.parseId(ctx.pathParam("id"), "id")))));
    r.put("/v1/conversations/:id/retention")
        .handler(
            Http.blocking(
                ctx -> {
                  ObjectNode body = Http.bodyObject(ctx);
                  int days = RetentionService.checkDays(body.get("retention_days"));
                  return Response.ok(
                      retention.set(
                          Http.principal(ctx).userId(),
                          Fields.parseId(ctx.pathParam("id"), "id"),
                          days));
                }));
  }
}
