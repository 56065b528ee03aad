package io.parley.server.abuse;

import io.parley.server.config.ParleyConfig;
import io.vertx.ext.web.Router;
import java.time.Clock;

/**
 * Builds the rate limits and abuse controls (F14) from {@code limits:}. With {@code enabled: false}
 * nothing is limited (connections are still counted, without caps). The token buckets come from a
 * {@link RateLimiter.Factory}: node-local ({@link #inMemory}) on a single node, cluster-wide in
 * Redis in cluster mode. Connection caps and the failed-login backoff stay per node.
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

  /** Node-local buckets, each tracking at most {@code limits.max_tracked_keys} keys. */
  public static RateLimiter.Factory inMemory(ParleyConfig.Limits cfg, Clock clock) {
    return (name, limit) -> new InMemoryRateLimiter(limit, clock, cfg.maxTrackedKeys());
  }

  /**
   * Builds every control of {@code cfg}.
   *
   * @param buckets makes the token bucket of each rule (by name: {@code msg}, {@code msg-bytes},
   *     {@code ws-connect-ip}, {@code signup-ip}, {@code login-ip})
   */
  public static AbuseWiring build(
      ParleyConfig.Limits cfg, Clock clock, RateLimiter.Factory buckets) {
    if (!cfg.enabled()) {
      return new AbuseWiring(
          MessageRateLimits.none(),
          new ConnectionAdmission(null, Integer.MAX_VALUE, Integer.MAX_VALUE),
          null);
    }
    int keys = cfg.maxTrackedKeys();
    MessageRateLimits messages =
        new MessageRateLimits(
            limiter(buckets, "msg", cfg.userMessages()),
            limiter(buckets, "msg-bytes", cfg.userMessageBytes()),
            cfg.wsRateLimitedTolerance());
    ConnectionAdmission admission =
        new ConnectionAdmission(
            limiter(buckets, "ws-connect-ip", cfg.ipWsConnects()),
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
            limiter(buckets, "signup-ip", cfg.ipSignups()),
            limiter(buckets, "login-ip", cfg.ipLogins()),
            backoff);
    return new AbuseWiring(messages, admission, routes);
  }

  private static RateLimiter limiter(
      RateLimiter.Factory buckets, String name, ParleyConfig.Limits.Bucket b) {
    return buckets.create(
        name, new RateLimiter.Limit(b.permits(), b.perSeconds() * 1000, b.burst()));
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
