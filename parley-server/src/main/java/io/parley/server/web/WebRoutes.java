package io.parley.server.web;

import io.vertx.core.Handler;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import io.vertx.ext.web.handler.StaticHandler;

/**
 * The browser client (F20): static files from the classpath directory {@code web/}, served at
 * {@code /} ({@code index.html}), {@code /favicon.svg} and {@code /assets/*}. Only these paths are
 * routed here, so {@code /v1/*}, {@code /health/*}, {@code /metrics} and {@code /openapi.yaml} are
 * untouched. Every response carries a strict Content-Security-Policy ({@link #CSP}): the client has
 * no inline script or style and loads nothing from other origins.
 */
public final class WebRoutes {
  /** Classpath directory holding the client's files. */
  public static final String ROOT = "web";

  /** The paths served from {@link #ROOT}: {@code /}, two files and everything under assets. */
  public static final String PATHS = "^/(?:index\\.html|favicon\\.svg|assets/.+)?$";

  /** The Content-Security-Policy of every client response. */
  public static final String CSP =
      "default-src 'self'; connect-src 'self' ws: wss:; img-src 'self' blob: data:; "
          + "style-src 'self'; script-src 'self'; object-src 'none'; frame-ancestors 'none'; "
          + "base-uri 'none'; form-action 'self'";

  public void mount(Router router) {
    // one regex route: a plain path route would hand the static handler only the part of the
    // path below the route's own path
    StaticHandler files =
        StaticHandler.create(ROOT)
            .setIndexPage("index.html")
            .setDirectoryListing(false)
            .setIncludeHidden(false)
            // no build step, so file names carry no content hash: revalidate on every load
            .setCachingEnabled(false)
            .setDefaultContentEncoding("UTF-8");
    Handler<RoutingContext> headers =
        ctx -> {
          ctx.response()
              .putHeader("Content-Security-Policy", CSP)
              .putHeader("X-Content-Type-Options", "nosniff")
              .putHeader("Referrer-Policy", "no-referrer")
              .putHeader("Cache-Control", "no-cache");
          ctx.next();
        };
    router.getWithRegex(PATHS).handler(headers).handler(files);
  }
}
