package io.parley.server.abuse;

import io.parley.server.config.ParleyConfig;
import io.vertx.ext.web.Router;
import java.time.Clock;

/**
 * Builds the rate limits and abuse controls (F14) from {@code limits:}. With {@code enabled: false}
 * nothing is limited (connections are still counted, without caps).
 */
public final class AbuseWiring {
  private final MessageRateLimits messages;
  private final ConnectionAdmission admission;
  private final AbuseRoutes routes;

  private AbuseWiring(
      MessageRateLimits messages, ConnectionAdmission admission, AbuseRoutes routes) {
    this.messages = messages;
    this.admission = admission;
    this.routes = routes;
  }

  public static AbuseWiring build(ParleyConfig.Limits cfg, Clock clock) {
    if (!cfg.enabled()) {
      return new AbuseWiring(
          MessageRateLimits.none(),
          new ConnectionAdmission(null, Integer.MAX_VALUE, Integer.MAX_VALUE),
          null);
    }
    int keys = cfg.maxTrackedKeys();
    MessageRateLimits messages =
        new MessageRateLimits(
            limiter(cfg.userMessages(), clock, keys),
            limiter(cfg.userMessageBytes(), clock, keys),
            cfg.wsRateLimitedTolerance());
    ConnectionAdmission admission =
        new ConnectionAdmission(
            limiter(cfg.ipWsConnects(), clock, keys),
            cfg.maxConnectionsPerDevice(),
            cfg.maxConnectionsPerUser());
    admission.onDeviceGone(messages::accepted);
    LoginBackoff backoff =
        new LoginBackoff(
            cfg.failedLoginsFree(),
            cfg.failedLoginBackoffMs(),
            cfg.failedLoginBackoffMaxMs(),
            cfg.failedLoginForgetSeconds() * 1000,
            keys,
            clock);
    AbuseRoutes routes =
        new AbuseRoutes(
            limiter(cfg.ipSignups(), clock, keys), limiter(cfg.ipLogins(), clock, keys), backoff);
    return new AbuseWiring(messages, admission, routes);
  }

  private static RateLimiter limiter(ParleyConfig.Limits.Bucket b, Clock clock, int maxKeys) {
    return new InMemoryRateLimiter(
        new RateLimiter.Limit(b.permits(), b.perSeconds() * 1000, b.burst()), clock, maxKeys);
  }

  /** Per-user message limits (WebSocket and REST send). */
  public MessageRateLimits messages() {
    return messages;
  }

  /** WebSocket admission (connects per IP, connection caps). */
  public ConnectionAdmission admission() {
    return admission;
  }

  /** Mounts the REST checks; call before the auth routes are mounted. */
  public void mount(Router router) {
    if (routes != null) {
      routes.mount(router);
    }
  }
}
