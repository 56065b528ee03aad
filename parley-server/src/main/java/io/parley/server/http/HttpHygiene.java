package io.parley.server.http;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.config.ParleyConfig;
import io.vertx.core.MultiMap;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpHeaders;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.ext.web.Route;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.CorsHandler;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

/**
 * HTTP hygiene for every REST response, as Router handlers that run before the feature routes:
 *
 * <ul>
 *   <li>security headers on every response ({@code X-Content-Type-Options: nosniff}, {@code
 *       X-Frame-Options: DENY}, {@code Referrer-Policy: no-referrer}); API responses also get a
 *       restrictive {@code Content-Security-Policy} and {@code Cache-Control: no-store} (tokens,
 *       private data) unless the route set its own;
 *   <li>a body read timeout: a request whose body has not fully arrived {@code
 *       server.body_read_timeout_ms} after it started is answered 408 and its connection closed;
 *   <li>415 {@code unsupported_media_type} for a body that is not {@code application/json} on a
 *       JSON endpoint (everything under {@code /v1/} but media uploads);
 *   <li>CORS for the origins in {@code server.cors_allowed_origins} (off when empty);
 *   <li>405 {@code method_not_allowed} with {@code Allow} for a known path and a wrong method
 *       (before authentication, like a 404).
 * </ul>
 *
 * Strict JSON parsing is {@link StrictJson}; the connection idle timeout is {@link
 * #configure(HttpServerOptions, ParleyConfig.Server)}.
 */
public final class HttpHygiene {
  static final String API_CSP = "default-src 'none'; frame-ancestors 'none'; sandbox";
  private static final Set<HttpMethod> BODY_METHODS =
      Set.of(HttpMethod.POST, HttpMethod.PUT, HttpMethod.PATCH);

  private final Router router;
  private volatile List<PathMethods> known;

  private HttpHygiene(Router router) {
    this.router = router;
  }

  /** Server options: the idle timeout of HTTP connections ({@code server.idle_timeout_seconds}). */
  public static HttpServerOptions configure(HttpServerOptions opts, ParleyConfig.Server cfg) {
    return opts.setIdleTimeout(Math.max(0, cfg.idleTimeoutSeconds()))
        .setIdleTimeoutUnit(TimeUnit.SECONDS);
  }

  /** Installs the handlers on {@code router} (they order themselves first, and 405 last). */
  public static void mount(Router router, ParleyConfig.Server cfg) {
    HttpHygiene h = new HttpHygiene(router);
    router.route().order(-1000).handler(HttpHygiene::headers);
    long timeout = cfg.bodyReadTimeoutMs();
    if (timeout > 0) {
      router.route().order(-999).handler(ctx -> bodyTimeout(ctx, timeout));
    }
    router.route("/v1/*").order(-998).handler(HttpHygiene::jsonOnly);
    List<String> origins = origins(cfg.corsAllowedOrigins());
    if (!origins.isEmpty()) {
      CorsHandler cors =
          CorsHandler.create()
              .addOrigins(origins)
              .allowedMethods(
                  Set.of(
                      HttpMethod.GET,
                      HttpMethod.POST,
                      HttpMethod.PUT,
                      HttpMethod.PATCH,
                      HttpMethod.DELETE))
              .allowedHeaders(Set.of("Authorization", "Content-Type"))
              .exposedHeaders(Set.of("Retry-After"))
              .maxAgeSeconds(600);
      router.route().order(-997).handler(ctx -> cors(ctx, origins, cors));
    }
    // before the feature routes (whose auth handlers match every method)
    router.route().order(-996).handler(h::methodNotAllowed);
  }

  /**
   * An allowed origin gets the CORS headers (and preflights their answer); a preflight from any
   * other origin is refused with 403; other requests from it pass without CORS headers, so the
   * browser keeps their responses from the page.
   */
  private static void cors(RoutingContext ctx, List<String> origins, CorsHandler cors) {
    String origin = ctx.request().getHeader(HttpHeaders.ORIGIN);
    if (origin == null || origins.contains(origin)) {
      cors.handle(ctx);
    } else if (HttpMethod.OPTIONS.equals(ctx.request().method())
        && ctx.request().getHeader(HttpHeaders.ACCESS_CONTROL_REQUEST_METHOD) != null) {
      Http.fail(ctx, ApiException.forbidden("origin " + origin + " is not allowed"));
    } else {
      ctx.next();
    }
  }

  static List<String> origins(String csv) {
    if (csv == null || csv.isBlank()) {
      return List.of();
    }
    return Arrays.stream(csv.split(",", -1)).map(String::strip).filter(s -> !s.isEmpty()).toList();
  }

  private static void headers(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    boolean api =
        path.startsWith("/v1/")
            || path.startsWith("/health/")
            || path.equals("/metrics")
            || path.equals("/openapi.yaml");
    ctx.addHeadersEndHandler(
        v -> {
          MultiMap h = ctx.response().headers();
          h.set("X-Content-Type-Options", "nosniff");
          h.set("X-Frame-Options", "DENY");
          h.set("Referrer-Policy", "no-referrer");
          if (api) {
            if (!h.contains("Content-Security-Policy")) {
              h.set("Content-Security-Policy", API_CSP);
            }
            if (!h.contains(HttpHeaders.CACHE_CONTROL)) {
              h.set(HttpHeaders.CACHE_CONTROL, "no-store");
            }
          }
        });
    ctx.next();
  }

  private static boolean hasBody(HttpServerRequest req) {
    String len = req.getHeader(HttpHeaders.CONTENT_LENGTH);
    if (len != null) {
      return !len.strip().equals("0");
    }
    return req.getHeader(HttpHeaders.TRANSFER_ENCODING) != null;
  }

  private static void bodyTimeout(RoutingContext ctx, long timeoutMs) {
    HttpServerRequest req = ctx.request();
    if (req.isEnded() || !hasBody(req)) {
      ctx.next();
      return;
    }
    long timer =
        ctx.vertx()
            .setTimer(
                timeoutMs,
                t -> {
                  if (req.isEnded() || ctx.response().ended()) {
                    return;
                  }
                  Buffer body =
                      Buffer.buffer(
                          io.parley.protocol.Json.write(
                              Http.errorBody(
                                  ErrorCode.REQUEST_TIMEOUT,
                                  "the request body did not arrive within " + timeoutMs + " ms")));
                  ctx.response()
                      .setStatusCode(408)
                      .putHeader(HttpHeaders.CONTENT_TYPE, "application/json")
                      .putHeader(HttpHeaders.CONNECTION, "close")
                      .end(body)
                      .onComplete(ar -> req.connection().close());
                });
    ctx.addEndHandler(v -> ctx.vertx().cancelTimer(timer));
    ctx.next();
  }

  private static void jsonOnly(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    if (!BODY_METHODS.contains(req.method())
        || !hasBody(req)
        || ctx.normalizedPath().startsWith("/v1/media")
        || isJson(req.getHeader(HttpHeaders.CONTENT_TYPE))) {
      ctx.next();
      return;
    }
    Http.fail(
        ctx,
        new ApiException(
            ErrorCode.UNSUPPORTED_MEDIA_TYPE, "the request body must be application/json"));
  }

  static boolean isJson(String contentType) {
    if (contentType == null) {
      return false;
    }
    int semi = contentType.indexOf(';');
    String type = (semi < 0 ? contentType : contentType.substring(0, semi)).strip();
    type = type.toLowerCase(Locale.ROOT);
    return type.equals("application/json")
        || (type.startsWith("application/") && type.endsWith("+json"));
  }

  private void methodNotAllowed(RoutingContext ctx) {
    String path = ctx.normalizedPath();
    Set<String> allowed = new TreeSet<>();
    for (PathMethods pm : known()) {
      if (pm.pattern.matcher(path).matches()) {
        allowed.addAll(pm.methods);
      }
    }
    if (allowed.isEmpty() || allowed.contains(ctx.request().method().name())) {
      ctx.next();
      return;
    }
    ctx.response().putHeader(HttpHeaders.ALLOW, String.join(", ", allowed));
    Http.fail(
        ctx,
        new ApiException(
            ErrorCode.METHOD_NOT_ALLOWED,
            ctx.request().method().name() + " is not allowed here; allowed: " + allowed));
  }

  /** The method-specific routes of the router, computed once (routes are fixed after start). */
  private List<PathMethods> known() {
    List<PathMethods> k = known;
    if (k == null) {
      k = new ArrayList<>();
      for (Route r : router.getRoutes()) {
        Set<HttpMethod> methods = r.methods();
        if (methods == null || methods.isEmpty() || r.getPath() == null) {
          continue;
        }
        Set<String> names = new TreeSet<>();
        methods.forEach(m -> names.add(m.name()));
        k.add(new PathMethods(template(r.getPath()), names));
      }
      known = k;
    }
    return k;
  }

  /** A Vert.x path template ({@code /v1/groups/:id}, {@code /static/*}) as a regex. */
  static Pattern template(String path) {
    List<String> parts = new ArrayList<>();
    for (String seg : path.split("/", -1)) {
      if (seg.startsWith(":")) {
        parts.add("[^/]+");
      } else if (seg.endsWith("*")) {
        parts.add(Pattern.quote(seg.substring(0, seg.length() - 1)) + ".*");
      } else {
        parts.add(Pattern.quote(seg));
      }
    }
    return Pattern.compile(String.join("/", parts));
  }

  private record PathMethods(Pattern pattern, Set<String> methods) {}
}
