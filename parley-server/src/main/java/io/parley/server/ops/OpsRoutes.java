package io.parley.server.ops;

import io.parley.protocol.Json;
import io.parley.server.store.Database;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;

/** {@code /health/live}, {@code /health/ready} (the store answers) and {@code /metrics}. */
public final class OpsRoutes {
  private final Metrics metrics;
  private final Database database;
  private final Map<String, Supplier<Future<Void>>> checks = new LinkedHashMap<>();

  public OpsRoutes(Metrics metrics, Database database) {
    this.metrics = metrics;
    this.database = database;
  }

  /**
   * Adds a dependency to {@code /health/ready} (e.g. {@code redis} in cluster mode): the node is
   * ready only while {@code check} succeeds; its failure message is reported as the reason.
   */
  public OpsRoutes withReadinessCheck(String name, Supplier<Future<Void>> check) {
    checks.put(name, check);
    return this;
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
            ctx -> {
              Future<Boolean> store =
                  ctx.vertx().executeBlocking(() -> database.read(c -> c.isValid(2)), false);
              Map<String, Future<Void>> deps = new LinkedHashMap<>();
              checks.forEach((name, check) -> deps.put(name, check.get()));
              java.util.List<Future<?>> all = new java.util.ArrayList<>();
              all.add(store);
              all.addAll(deps.values());
              Future.join(all)
                  .onComplete(
                      ar -> {
                        boolean storeUp = store.succeeded() && Boolean.TRUE.equals(store.result());
                        boolean ok = storeUp;
                        Map<String, Object> body = new LinkedHashMap<>();
                        body.put("status", "ready");
                        body.put("store", storeUp ? "up" : "down");
                        StringBuilder reason = new StringBuilder();
                        if (!storeUp) {
                          reason.append("store unreachable");
                        }
                        for (Map.Entry<String, Future<Void>> d : deps.entrySet()) {
                          boolean up = d.getValue().succeeded();
                          body.put(d.getKey(), up ? "up" : "down");
                          if (!up) {
                            ok = false;
                            reason
                                .append(reason.isEmpty() ? "" : "; ")
                                .append(d.getKey())
                                .append(" unreachable: ")
                                .append(d.getValue().cause().getMessage());
                          }
                        }
                        if (!ok) {
                          body.put("status", "unavailable");
                          body.put("reason", reason.toString());
                        }
                        ctx.response()
                            .setStatusCode(ok ? 200 : 503)
                            .putHeader("Content-Type", "application/json")
                            .end(Json.write(body));
                      });
            });
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
