package io.parley.server.push;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.parley.server.push.PushTokenStore.PushToken;
import io.vertx.ext.web.Router;
import java.time.Clock;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * REST: {@code PUT /v1/devices/me/push {provider, token}} registers the calling device's push token
 * (204), {@code DELETE /v1/devices/me/push} removes it (204). Tokens: {@code apns} 64 to 200 hex
 * digits; {@code fcm} 1 to 4096 characters of {@code [A-Za-z0-9_:.-]}; {@code webhook} 1 to 4096
 * printable ASCII characters without spaces.
 */
public final class PushRoutes {
  static final Set<String> PROVIDERS = Set.of("fcm", "apns", "webhook");
  private static final Pattern APNS = Pattern.compile("[0-9a-fA-F]{64,200}");
  private static final Pattern FCM = Pattern.compile("[A-Za-z0-9_:.\\-]{1,4096}");
  private static final Pattern WEBHOOK = Pattern.compile("[\\x21-\\x7e]{1,4096}");

  private final PushTokenStore tokens;
  private final Authenticator auth;
  private final Clock clock;

  public PushRoutes(PushTokenStore tokens, Authenticator auth, Clock clock) {
    this.tokens = tokens;
    this.auth = auth;
    this.clock = clock;
  }

  public void mount(Router r) {
    r.route("/v1/devices/me/push").handler(Http.requireAuth(auth));
    r.put("/v1/devices/me/push")
        .handler(
            Http.blocking(
                ctx -> {
                  Principal p = Http.principal(ctx);
                  ObjectNode body = Http.bodyObject(ctx);
                  String provider = Fields.requiredString(body, "provider", 16);
                  if (!PROVIDERS.contains(provider)) {
                    throw ApiException.invalid("provider must be fcm, apns or webhook");
                  }
                  String token = Fields.requiredString(body, "token", 4096);
                  Pattern shape =
                      switch (provider) {
                        case "apns" -> APNS;
                        case "fcm" -> FCM;
                        default -> WEBHOOK;
                      };
                  if (!shape.matcher(token).matches()) {
                    throw ApiException.invalid("token is not a valid " + provider + " token");
                  }
                  tokens.put(
                      new PushToken(p.deviceId(), p.userId(), provider, token), clock.millis());
                  return Response.noContent();
                }));
    r.delete("/v1/devices/me/push")
        .handler(
            Http.blocking(
                ctx -> {
                  tokens.delete(Http.principal(ctx).deviceId());
                  return Response.noContent();
                }));
  }
}
