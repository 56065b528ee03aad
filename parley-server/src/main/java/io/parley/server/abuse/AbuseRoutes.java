package io.parley.server.abuse;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.http.Http;
import io.vertx.core.Context;
import io.vertx.core.Vertx;
import io.vertx.core.net.SocketAddress;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.util.Locale;
import java.util.concurrent.CompletableFuture;

/**
 * REST-side abuse controls, mounted before the auth routes: sign-ups and logins per IP address, and
 * the failed-login backoff per account (observed from the login response: 401 counts a failure, 200
 * resets). Refusals are {@code 429 rate_limited} with {@code Retry-After}.
 */
public final class AbuseRoutes {
  private final RateLimiter ipSignups;
  private final RateLimiter ipLogins;
  private final LoginBackoff backoff;

  public AbuseRoutes(RateLimiter ipSignups, RateLimiter ipLogins, LoginBackoff backoff) {
    this.ipSignups = ipSignups;
    this.ipLogins = ipLogins;
    this.backoff = backoff;
  }

  /** Registers the checks; must run before the routes they guard are mounted. */
  public void mount(Router router) {
    router.post("/v1/auth/signup").handler(this::signup);
    router.post("/v1/auth/login").handler(this::login);
  }

  private void signup(RoutingContext ctx) {
    limited(ctx, ipSignups, "too many sign-ups from this address", ctx::next);
  }

  private void login(RoutingContext ctx) {
    limited(ctx, ipLogins, "too many login attempts from this address", () -> loginChecked(ctx));
  }

  private void loginChecked(RoutingContext ctx) {
    String account = account(ctx);
    if (account != null) {
      long locked = backoff.waitMs(account);
      if (locked > 0) {
        Http.fail(ctx, limited("too many failed logins for this account", locked));
        return;
      }
      ctx.addHeadersEndHandler(
          v -> {
            int status = ctx.response().getStatusCode();
            if (status == 401) {
              backoff.failed(account);
            } else if (status == 200) {
              backoff.succeeded(account);
            }
          });
    }
    ctx.next();
  }

  /**
   * Charges the request to the client's address in {@code limiter}: refuses it with 429, or runs
   * {@code then}. A decision still on its way (cluster-wide limiter) continues on the request's
   * context; the handler's thread never waits.
   */
  // the continuation answers the request itself; the stage it returns is not needed
  @SuppressWarnings("FutureReturnValueIgnored")
  private static void limited(
      RoutingContext ctx, RateLimiter limiter, String message, Runnable then) {
    CompletableFuture<Long> wait = limiter.acquire(clientIp(ctx), 1).toCompletableFuture();
    Runnable decide =
        () -> {
          if (wait.join() > 0) {
            Http.fail(ctx, limited(message, wait.join()));
          } else {
            then.run();
          }
        };
    if (wait.isDone()) {
      decide.run();
    } else {
      Context context = Vertx.currentContext();
      wait.thenRun(
          () -> {
            if (context == null) {
              decide.run();
            } else {
              context.runOnContext(v -> decide.run());
            }
          });
    }
  }

  /** The login's username, case-folded like usernames are, or null if the body has none. */
  private static String account(RoutingContext ctx) {
    try {
      JsonNode u = Http.bodyObject(ctx).get("username");
      return u != null && u.isTextual() ? u.asText().toLowerCase(Locale.ROOT) : null;
    } catch (ApiException e) {
      return null; // the login route reports the bad body
    }
  }

  /** The client's IP address as the HTTP server sees it. */
  public static String clientIp(RoutingContext ctx) {
    SocketAddress a = ctx.request().remoteAddress();
    return a == null || a.hostAddress() == null ? "unknown" : a.hostAddress();
  }

  private static ApiException limited(String message, long waitMs) {
    long seconds = Math.max(1, (waitMs + 999) / 1000);
    return new ApiException(
        ErrorCode.RATE_LIMITED, message + ", retry in " + seconds + " s", waitMs);
  }
}
