package io.parley.server.auth;

import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.List;
import java.util.Map;

/**
 * The caller's devices (logins): {@code GET /v1/devices} lists the active ones, {@code DELETE
 * /v1/devices/{device_id}} revokes one of them (its tokens stop working and its connections are
 * closed with 4401; another user's device is {@code not_found}).
 */
public final class DeviceRoutes {
  private final AuthService auth;
  private final Authenticator authenticator;

  public DeviceRoutes(AuthService auth, Authenticator authenticator) {
    this.auth = auth;
    this.authenticator = authenticator;
  }

  /** One device as listed; {@code current} marks the caller's own. */
  record DeviceView(String deviceId, String name, long createdAt, boolean current) {}

  public void mount(Router router) {
    router
        .get("/v1/devices")
        .handler(Http.requireAuth(authenticator))
        .handler(Http.blocking(this::list));
    router
        .delete("/v1/devices/:device_id")
        .handler(Http.requireAuth(authenticator))
        .handler(Http.blocking(this::revoke));
  }

  private Response list(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    List<DeviceView> out =
        auth.devices(p.userId()).stream()
            .map(
                d ->
                    new DeviceView(
                        Long.toString(d.id()), d.name(), d.createdAt(), d.id() == p.deviceId()))
            .toList();
    return Response.ok(Map.of("devices", out));
  }

  private Response revoke(RoutingContext ctx) {
    long id = Fields.parseId(ctx.pathParam("device_id"), "device_id");
    auth.revokeDevice(Http.principal(ctx), id);
    return Response.noContent();
  }
}
