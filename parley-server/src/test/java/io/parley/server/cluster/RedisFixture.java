package io.parley.server.cluster;

import io.parley.server.testsupport.TestRedis;
import io.vertx.core.Vertx;

/** A Vert.x instance and a {@link ClusterRedis} on a fresh test key prefix, closed together. */
final class RedisFixture implements AutoCloseable {
  final Vertx vertx = Vertx.vertx();
  final TestRedis.Keys keys;
  final ClusterRedis redis;

  RedisFixture() {
    this(TestRedis.keys());
  }

  RedisFixture(TestRedis.Keys keys) {
    this.keys = keys;
    this.redis = new ClusterRedis(vertx, keys.url(), keys.prefix());
  }

  /** Another client (another "node") on the same server and prefix. */
  ClusterRedis another() {
    return new ClusterRedis(vertx, keys.url(), keys.prefix());
  }

  @Override
  public void close() {
    redis.close();
    ClusterTime.get(vertx.close());
    keys.close();
  }
}
