package io.parley.server.ops;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.config.ParleyConfig;
import io.parley.server.delivery.Broker;
import io.parley.server.http.Http;
import io.parley.server.store.Stores;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import org.slf4j.MDC;

/**
 * Operations wiring (F16): metered store and broker, request ids ({@code X-Request-Id} in and out,
 * MDC {@code request_id}), REST errors by code, access control of {@code /metrics} ({@code
 * ops.metrics_token}, or a separate {@code ops.metrics_port}), the admin backup endpoint and the
 * log format.
 */
public final class OpsWiring implements AutoCloseable {
  public static final String REQUEST_ID = "request_id";
  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(OpsWiring.class);
  private static final Pattern SAFE_REQUEST_ID = Pattern.compile("[A-Za-z0-9._:-]{1,64}");

  private final ParleyConfig.Ops cfg;
  private final Metrics metrics;
  private final Stores stores;
  private final BackupService backups;
  private HttpServer metricsServer;

  /** Starts the metrics server when {@code ops.metrics_port} is set (blocks until it listens). */
  public OpsWiring(ParleyConfig cfg, Metrics metrics, Stores stores, Vertx vertx) {
    this.cfg =
        cfg.ops() == null ? new ParleyConfig.Ops("", 0, "127.0.0.1", "", "backups") : cfg.ops();
    this.metrics = metrics;
    this.stores = stores;
    this.backups =
        new BackupService(stores.database(), cfg.store().dataDir(), this.cfg.backupDir());
    LogFormat.apply(cfg.log() == null ? null : cfg.log().format());
    if (this.cfg.metricsPort() > 0) {
      startMetricsServer(vertx);
    }
  }

  /** {@code stores} with its message store timed. */
  public Stores metered(Stores s) {
    return s.withMessages(new MeteredMessageStore(s.messages(), metrics));
  }

  public Broker metered(Broker b) {
    return new MeteredBroker(b, metrics);
  }

  /** Mount before every other route: request ids and error counting. */
  public void mountFirst(Router r) {
    r.route()
        .handler(
            ctx -> {
              String rid = ctx.request().getHeader("X-Request-Id");
              if (rid == null || !SAFE_REQUEST_ID.matcher(rid).matches()) {
                rid = UUID.randomUUID().toString();
              }
              ctx.put(REQUEST_ID, rid);
              ctx.response().putHeader("X-Request-Id", rid);
              ctx.addHeadersEndHandler(
                  v -> {
                    int status = ctx.response().getStatusCode();
                    if (status >= 400) {
                      metrics.error(codeOf(status), "rest");
                    }
                  });
              MDC.put(REQUEST_ID, rid);
              if (log.isDebugEnabled()) {
                // the path only: query strings may carry tokens (?access_token=) or search terms
                log.debug("http {} {}", ctx.request().method(), ctx.request().path());
              }
              try {
                ctx.next();
              } finally {
                MDC.remove(REQUEST_ID);
              }
            });
  }

  private static String codeOf(int status) {
    for (ErrorCode c : ErrorCode.values()) {
      if (c.httpStatus() == status && c != ErrorCode.BAD_FRAME) {
        return c.wire();
      }
    }
    return "http_" + status;
  }

  /** {@code /health/*}, {@code /metrics} (unless on its own port) and {@code /admin/backup}. */
  private final java.util.Map<String, java.util.function.Supplier<io.vertx.core.Future<Void>>>
      readiness = new java.util.LinkedHashMap<>();

  /** Adds a dependency of {@code /health/ready} (cluster mode: Redis); call before mounting. */
  public void withReadinessCheck(
      String name, java.util.function.Supplier<io.vertx.core.Future<Void>> check) {
    readiness.put(name, check);
  }

  public void mount(Router r) {
    boolean ownPort = cfg.metricsPort() > 0;
    OpsRoutes routes = new OpsRoutes(metrics, stores.database());
    readiness.forEach(routes::withReadinessCheck);
    routes.mount(r, ownPort ? null : this::metricsAllowed);
    r.post("/admin/backup")
        .handler(
            Http.blocking(
                ctx -> {
                  if (cfg.adminToken() == null || cfg.adminToken().isEmpty()) {
                    throw ApiException.notFound("admin endpoints are disabled (ops.admin_token)");
                  }
                  if (!bearerMatches(ctx, cfg.adminToken())) {
                    throw ApiException.unauthorized("admin token required");
                  }
                  return Http.Response.ok(backups.backup());
                }));
  }

  private synchronized void startMetricsServer(Vertx vertx) {
    if (metricsServer != null) {
      return;
    }
    Router router = Router.router(vertx);
    new OpsRoutes(metrics, stores.database()).mountMetrics(router, this::metricsAllowed);
    metricsServer =
        vertx
            .createHttpServer(
                new HttpServerOptions()
                    .setHost(cfg.metricsHost() == null ? "127.0.0.1" : cfg.metricsHost())
                    .setPort(cfg.metricsPort()))
            .requestHandler(router);
    try {
      metricsServer.listen().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException("cannot listen on ops.metrics_port " + cfg.metricsPort(), e);
    }
  }

  private boolean metricsAllowed(RoutingContext ctx) {
    String token = cfg.metricsToken();
    return token == null || token.isEmpty() || bearerMatches(ctx, token);
  }

  private static boolean bearerMatches(RoutingContext ctx, String expected) {
    String h = ctx.request().getHeader("Authorization");
    if (h == null || !h.regionMatches(true, 0, "Bearer ", 0, 7)) {
      return false;
    }
    return MessageDigest.isEqual(
        h.substring(7).trim().getBytes(StandardCharsets.UTF_8),
        expected.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public synchronized void close() {
    if (metricsServer != null) {
      metricsServer.close();
      metricsServer = null;
    }
  }
}
