package io.parley.server.presence;

import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.vertx.ext.web.Router;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** REST: {@code GET /v1/presence?user_ids=a,b}. */
public final class PresenceRoutes {
  private final PresenceService presence;
  private final Authenticator auth;

  public PresenceRoutes(PresenceService presence, Authenticator auth) {
    this.presence = presence;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/v1/presence").handler(Http.requireAuth(auth));
    r.get("/v1/presence")
        .handler(
            Http.blocking(
                ctx -> {
                  String raw = ctx.queryParams().get("user_ids");
                  if (raw == null || raw.isBlank()) {
                    throw ApiException.invalid("user_ids is required");
                  }
                  List<Long> ids = new ArrayList<>();
                  for (String s : raw.split(",")) {
                    ids.add(Fields.parseId(s.trim(), "user_ids"));
                  }
                  if (ids.size() > 1000) {
                    throw ApiException.invalid("at most 1000 user_ids");
                  }
                  List<Map<String, Object>> out = new ArrayList<>();
                  for (PresenceService.State s :
                      presence.query(Http.principal(ctx).userId(), ids)) {
                    Map<String, Object> m = new LinkedHashMap<>();
                    m.put("user_id", Long.toString(s.userId()));
                    m.put("online", s.online());
                    m.put("last_seen", s.lastSeen());
                    out.add(m);
                  }
                  return Response.ok(Map.of("presence", out));
                }));
  }
}
