package io.parley.server.search;

import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.http.Http;
import io.parley.server.http.Http.Response;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;

/** {@code GET /v1/search?q=&conversation_id=&limit=&cursor=} (API.md). */
public final class SearchRoutes {
  private final SearchService search;
  private final Authenticator auth;

  public SearchRoutes(SearchService search, Authenticator auth) {
    this.search = search;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/v1/search").handler(Http.requireAuth(auth));
    r.get("/v1/search")
        .handler(
            Http.blocking(
                ctx -> {
                  String conv = ctx.queryParams().get("conversation_id");
                  Long conversationId =
                      conv == null || conv.isEmpty()
                          ? null
                          : Fields.parseId(conv, "conversation_id");
                  return Response.ok(
                      search.search(
                          Http.principal(ctx).userId(),
                          ctx.queryParams().get("q"),
                          conversationId,
                          limit(ctx),
                          ctx.queryParams().get("cursor")));
                }));
  }

  private static Integer limit(RoutingContext ctx) {
    String v = ctx.queryParams().get("limit");
    if (v == null || v.isEmpty()) {
      return null;
    }
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw ApiException.invalid("limit must be an integer");
    }
  }
}
