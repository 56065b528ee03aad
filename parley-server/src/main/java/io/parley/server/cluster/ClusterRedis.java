package io.parley.server.cluster;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.ProtocolVersion;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisOptions;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.List;

/**
 * One node's access to the cluster Redis: a pooled, non-blocking Vert.x client (requests run on the
 * caller's or the client's event loop, never blocking a thread) and the key prefix every cluster
 * key starts with. The pool reconnects by itself after Redis restarts.
 *
 * <p>Components that need a dedicated connection (pub/sub, ordered publishing) create their own
 * with {@link #newClient()}. Replies use RESP2 (hashes come back as flat field/value arrays).
 */
public final class ClusterRedis implements AutoCloseable {
  private final Vertx vertx;
  private final String url;
  private final String prefix;
  private final Redis client;

  /**
   * @param url {@code redis://host:port[/db]} or {@code rediss://...}
   * @param prefix prepended to every key and channel, e.g. {@code "parley:"}
   */
  public ClusterRedis(Vertx vertx, String url, String prefix) {
    this.vertx = vertx;
    this.url = url;
    this.prefix = prefix;
    this.client = newClient();
  }

  /** A new client on the same server (own pool); the caller closes it. */
  public Redis newClient() {
    return Redis.createClient(
        vertx,
        new RedisOptions()
            .setConnectionString(url)
            .setMaxPoolSize(8)
            .setMaxPoolWaiting(100_000)
            .setMaxWaitingHandlers(100_000)
            .setPreferredProtocolVersion(ProtocolVersion.RESP2));
  }

  public Vertx vertx() {
    return vertx;
  }

  public String url() {
    return url;
  }

  /** The key (or channel) {@code prefix + name}. */
  public String key(String name) {
    return prefix + name;
  }

  public Future<Response> send(Command cmd, Object... args) {
    return client.send(Request.cmd(cmd, args));
  }

  public Future<List<Response>> batch(List<Request> requests) {
    return client.batch(requests);
  }

  /** Succeeds if Redis answers {@code PING} (for {@code /health/ready} in cluster mode). */
  public Future<Void> ping() {
    return send(Command.PING)
        .compose(
            r ->
                "PONG".equals(String.valueOf(r))
                    ? Future.<Void>succeededFuture()
                    : Future.failedFuture("unexpected PING reply: " + r));
  }

  @Override
  public void close() {
    client.close();
  }
}
