package io.parley.server.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * A Lua script run with {@code EVALSHA} (only the 40-character digest travels), falling back to
 * {@code EVAL} with the full text when the server answers {@code NOSCRIPT} (after a restart or
 * {@code SCRIPT FLUSH}); {@code EVAL} also loads it into the script cache for the next call.
 */
public final class LuaScript {
  private final String text;
  private final String sha;

  public LuaScript(String text) {
    this.text = text;
    try {
      this.sha =
          HexFormat.of()
              .formatHex(
                  MessageDigest.getInstance("SHA-1").digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  /** The SHA-1 digest the server knows the script by. */
  public String sha() {
    return sha;
  }

  /** Runs the script with {@code keys} and {@code args}. */
  public Future<Response> run(ClusterRedis redis, List<String> keys, List<Object> args) {
    return redis
        .send(Command.EVALSHA, argv(sha, keys, args))
        .recover(
            e ->
                e.getMessage() != null && e.getMessage().startsWith("NOSCRIPT")
                    ? redis.send(Command.EVAL, argv(text, keys, args))
                    : Future.failedFuture(e));
  }

  private static Object[] argv(String script, List<String> keys, List<Object> args) {
    Object[] a = new Object[2 + keys.size() + args.size()];
    a[0] = script;
    a[1] = keys.size();
    int i = 2;
    for (String k : keys) {
      a[i++] = k;
    }
    for (Object o : args) {
      a[i++] = o;
    }
    return a;
  }

  /** A request for use in a batch (EVAL with the full text; no NOSCRIPT round trip). */
  public Request evalRequest(List<String> keys, List<Object> args) {
    return Request.cmd(Command.EVAL, argv(text, keys, args));
  }
}
