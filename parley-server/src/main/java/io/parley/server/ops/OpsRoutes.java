package io.parley.server.ops;

import io.parley.protocol.Json;
import io.parley.server.store.Database;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;

/** {@code /health/live}, {@code /health/ready} (the store answers) and {@code /metrics}. */
public final class OpsRoutes {
  private final Metrics metrics;
  private final Database database;

  public OpsRoutes(Metrics metrics, Database database) {
    this.metrics = metrics;
    this.database = database;
  }

  /** Health and an unrestricted {@code /metrics}. */
  public void mount(Router r) {
    mount(r, ctx -> true);
  }

  /**
   * Health, and {@code /metrics} guarded by {@code metricsAccess} (401 when it refuses); no {@code
   * /metrics} at all when it is null (served on its own port).
   */
  public void mount(Router r, java.util.function.Predicate<RoutingContext> metricsAccess) {
    r.get("/health/live")
        .handler(
            ctx ->
                ctx.response()
                    .putHeader("Content-Type", "application/json")
                    .end(Json.write(Map.of("status", "up"))));
    r.get("/health/ready")
        .handler(
            ctx ->
                ctx.vertx()
                    .executeBlocking(() -> database.read(c -> c.isValid(2)), false)
                    .onComplete(
                        ar -> {
                          boolean ok = ar.succeeded() && Boolean.TRUE.equals(ar.result());
                          ctx.response()
                              .setStatusCode(ok ? 200 : 503)
                              .putHeader("Content-Type", "application/json")
                              .end(
                                  Json.write(
                                      Map.of(
                                          "status",
                                          ok ? "ready" : "unavailable",
                                          "store",
                                          ok ? "up" : "down")));
                        }));
    if (metricsAccess != null) {
      mountMetrics(r, metricsAccess);
    }
  }

  /** {@code GET /metrics} (Prometheus text), guarded by {@code access}. */
  public void mountMetrics(Router r, java.util.function.Predicate<RoutingContext> access) {
    r.get("/metrics")
        .handler(
            ctx -> {
              if (!access.test(ctx)) {
                ctx.response()
                    .setStatusCode(401)
                    .putHeader("WWW-Authenticate", "Bearer")
                    .putHeader("Content-Type", "application/json")
                    .end(
                        Json.write(
                            io.parley.server.http.Http.errorBody(
                                io.parley.protocol.ErrorCode.UNAUTHORIZED,
                                "metrics token required")));
                return;
              }
              ctx.vertx()
                  .executeBlocking(metrics::scrape, false)
                  .onComplete(
                      ar ->
                          ctx.response()
                              .putHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                              .end(ar.succeeded() ? ar.result() : ""));
            });
  }
}
