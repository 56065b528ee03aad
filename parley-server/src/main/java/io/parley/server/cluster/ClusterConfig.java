package io.parley.server.cluster;

import io.parley.server.config.ParleyConfig;
import java.net.URI;
import java.net.URISyntaxException;

/** Checks of the {@code cluster} settings, run at start-up before anything connects. */
public final class ClusterConfig {
  private ClusterConfig() {}

  /**
   * Validates cluster mode against the rest of the configuration; does nothing when cluster mode is
   * off.
   *
   * @throws IllegalArgumentException with a message naming the setting to fix
   */
  public static void validate(ParleyConfig cfg) {
    ParleyConfig.Cluster c = cfg.cluster();
    if (c == null || !c.enabled()) {
      return;
    }
    if (!"postgres".equals(cfg.store().type())) {
      throw new IllegalArgumentException(
          "cluster mode (cluster.redis_url / PARLEY_CLUSTER_REDIS_URL is set) requires"
              + " store.type=postgres (PARLEY_STORE_TYPE=postgres), but store.type is '"
              + cfg.store().type()
              + "': an embedded SQLite file cannot be shared by several nodes");
    }
    URI uri;
    try {
      uri = new URI(c.redisUrl());
    } catch (URISyntaxException e) {
      throw new IllegalArgumentException(
          "cluster.redis_url is not a URL: '" + c.redisUrl() + "' (" + e.getReason() + ")");
    }
    if (!("redis".equals(uri.getScheme()) || "rediss".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new IllegalArgumentException(
          "cluster.redis_url must look like redis://host:port or rediss://host:port, got '"
              + c.redisUrl()
              + "'");
    }
    if (c.keyPrefix() == null || c.keyPrefix().isEmpty()) {
      throw new IllegalArgumentException("cluster.key_prefix must not be empty");
    }
    if (c.heartbeatMs() < 100) {
      throw new IllegalArgumentException(
          "cluster.heartbeat_ms must be at least 100, got " + c.heartbeatMs());
    }
    if (c.leaseTtlMs() <= 2 * c.heartbeatMs()) {
      throw new IllegalArgumentException(
          "cluster.lease_ttl_ms ("
              + c.leaseTtlMs()
              + ") must exceed two heartbeats (2 x cluster.heartbeat_ms = "
              + 2 * c.heartbeatMs()
              + ")");
    }
    if (c.brokerQueueFrames() < 1) {
      throw new IllegalArgumentException("cluster.broker_queue_frames must be at least 1");
    }
  }

  /** The WebSocket URL this node announces: the configured one, or one from server host/port. */
  public static String advertisedWsUrl(ParleyConfig cfg) {
    String url = cfg.cluster().advertisedWsUrl();
    if (url != null && !url.isBlank()) {
      return url;
    }
    return "ws://" + cfg.server().host() + ":" + cfg.server().port() + "/v1/ws";
  }
}
