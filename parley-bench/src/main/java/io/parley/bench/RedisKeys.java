package io.parley.bench;

import io.vertx.core.Vertx;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

/**
 * A unique key prefix on a Redis server for one bench cluster (its nodes' {@code
 * cluster.key_prefix}); {@link #close()} deletes every key under it.
 */
final class RedisKeys implements AutoCloseable {
  static final String DEFAULT_URL = "redis://127.0.0.1:6379";

  final String url;
  final String prefix;

  private RedisKeys(String url, String prefix) {
    this.url = url;
    this.prefix = prefix;
  }

  /** A new prefix on {@code url} (null: the local Redis); fails if Redis does not answer. */
  static RedisKeys create(String url) {
    RedisKeys k =
        new RedisKeys(
            url == null ? DEFAULT_URL : url,
            "parley-bench-" + UUID.randomUUID().toString().substring(0, 8) + ":");
    k.keys(); // PING by SCAN: a clear error now rather than nodes that never get ready
    return k;
  }

  /** The keys under the prefix now. */
  List<String> keys() {
    Vertx vertx = Vertx.vertx();
    try {
      Redis r = Redis.createClient(vertx, url);
      List<String> out = new ArrayList<>();
      String cursor = "0";
      do {
        Response res =
            r.send(
                    Request.cmd(Command.SCAN)
                        .arg(cursor)
                        .arg("MATCH")
                        .arg(prefix + "*")
                        .arg("COUNT")
                        .arg(1000))
                .await(10, TimeUnit.SECONDS);
        cursor = res.get(0).toString();
        for (Response key : res.get(1)) {
          out.add(key.toString());
        }
      } while (!cursor.equals("0"));
      return out;
    } catch (Exception e) {
      throw new IllegalStateException("Redis at " + url + " does not answer: " + e, e);
    } finally {
      vertx.close();
    }
  }

  @Override
  public void close() {
    Vertx vertx = Vertx.vertx();
    try {
      List<String> keys = keys();
      Redis r = Redis.createClient(vertx, url);
      for (int i = 0; i < keys.size(); i += 500) {
        Request del = Request.cmd(Command.DEL);
        keys.subList(i, Math.min(keys.size(), i + 500)).forEach(del::arg);
        r.send(del).await(10, TimeUnit.SECONDS);
      }
    } catch (Exception e) {
      System.err.println("cannot delete bench keys " + prefix + "* on " + url + ": " + e);
    } finally {
      vertx.close();
    }
  }
}
