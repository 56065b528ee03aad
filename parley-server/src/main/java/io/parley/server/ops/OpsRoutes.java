package io.parley.server.ops;

import io.parley.protocol.Json;
import io.parley.server.store.Database;
import io.vertx.ext.web.Router;
import java.util.Map;

/** {@code /health/live}, {@code /health/ready} (the store answers) and {@code /metrics}. */
public final class OpsRoutes {
  private final Metrics metrics;
  private final Database database;

  public OpsRoutes(Metrics metrics, Database database) {
    this.metrics = metrics;
    this.database = database;
  }

  public void mount(Router r) {
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
    r.get("/metrics")
        .handler(
            ctx ->
                ctx.vertx()
                    .executeBlocking(metrics::scrape, false)
                    .onComplete(
                        ar ->
                            ctx.response()
                                .putHeader(
                                    "Content-Type", "text/plain; version=0.0.4; charset=utf-8")
                                .end(ar.succeeded() ? ar.result() : "")));
  }
}
