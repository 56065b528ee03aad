package io.parley.server.keys;

import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.vertx.ext.web.Router;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * REST: {@code PUT /v1/keys} (the caller's device's keys, 204), {@code GET /v1/keys/{user_id}}
 * (bundles; {@code me} for oneself), {@code GET /v1/keys/me/count} ({@code {device_id, count}} of
 * the caller's remaining one-time prekeys). All need a token.
 */
public final class KeyRoutes {
  private final KeyService keys;
  private final Authenticator auth;

  public KeyRoutes(KeyService keys, Authenticator auth) {
    this.keys = keys;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.route("/v1/keys/*").handler(Http.requireAuth(auth));
    r.put("/v1/keys")
        .handler(
            Http.blocking(
                ctx -> {
                  keys.upload(Http.principal(ctx), Http.bodyObject(ctx));
                  return Response.noContent();
                }));
    r.get("/v1/keys/me/count")
        .handler(
            Http.blocking(
                ctx -> {
                  Principal p = Http.principal(ctx);
                  Map<String, Object> out = new LinkedHashMap<>();
                  out.put("device_id", Long.toString(p.deviceId()));
                  out.put("count", keys.remaining(p.deviceId()));
                  return Response.ok(out);
                }));
    r.get("/v1/keys/:user_id")
        .handler(
            Http.blocking(
                ctx -> {
                  String raw = ctx.pathParam("user_id");
                  long userId =
                      raw.equals("me")
                          ? Http.principal(ctx).userId()
                          : Fields.parseId(raw, "user_id");
                  return Response.ok(keys.fetch(userId));
                }));
  }
}
