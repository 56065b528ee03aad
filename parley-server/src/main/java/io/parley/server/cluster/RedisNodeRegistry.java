package io.parley.server.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * {@link NodeRegistry} on Redis. Keys (under the cluster prefix):
 *
 * <ul>
 *   <li>{@code nodeid:{id}} — the claim: this handle's random token, set with {@code SET NX PX ttl}
 *       and renewed (compare-and-expire in Lua) by each heartbeat;
 *   <li>{@code nodeinfo:{id}} — a hash {@code ws_url, connections, ready} with a TTL, rewritten by
 *       each heartbeat;
 *   <li>{@code nodes} — a set of announced ids; ids whose info expired are removed when listed.
 * </ul>
 */
public final class RedisNodeRegistry implements NodeRegistry {
  private static final LuaScript RENEW =
      new LuaScript(
          """
          local v = redis.call('GET', KEYS[1])
          if v == false then
            redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
            return 1
          end
          if v == ARGV[1] then
            redis.call('PEXPIRE', KEYS[1], ARGV[2])
            return 1
          end
          return 0
          """);

  private static final LuaScript RELEASE =
      new LuaScript(
          """
          if redis.call('GET', KEYS[1]) == ARGV[1] then
            redis.call('DEL', KEYS[1], KEYS[2])
            redis.call('SREM', KEYS[3], ARGV[2])
            return 1
          end
          return 0
          """);

  private final ClusterRedis redis;
  private final long ttlMs;
  private final String token = UUID.randomUUID().toString();

  public RedisNodeRegistry(ClusterRedis redis, Duration ttl) {
    this.redis = redis;
    this.ttlMs = ttl.toMillis();
  }

  private String claimKey(int nodeId) {
    return redis.key("nodeid:" + nodeId);
  }

  private String infoKey(int nodeId) {
    return redis.key("nodeinfo:" + nodeId);
  }

  private String setKey() {
    return redis.key("nodes");
  }

  @Override
  public Future<Boolean> claimNodeId(int nodeId) {
    return redis
        .send(Command.SET, claimKey(nodeId), token, "NX", "PX", ttlMs)
        .compose(
            r ->
                r != null
                    ? Future.succeededFuture(true)
                    : RENEW
                        .run(redis, List.of(claimKey(nodeId)), List.of(token, ttlMs))
                        .map(x -> x.toInteger() == 1));
  }

  @Override
  public Future<Boolean> heartbeat(NodeStatus s) {
    return RENEW
        .run(redis, List.of(claimKey(s.nodeId())), List.of(token, ttlMs))
        .compose(
            r -> {
              if (r.toInteger() != 1) {
                return Future.succeededFuture(false);
              }
              String info = infoKey(s.nodeId());
              return redis
                  .batch(
                      List.of(
                          Request.cmd(
                              Command.HSET,
                              info,
                              "ws_url",
                              s.wsUrl(),
                              "connections",
                              s.connections(),
                              "ready",
                              s.ready() ? 1 : 0),
                          Request.cmd(Command.PEXPIRE, info, ttlMs),
                          Request.cmd(Command.SADD, setKey(), s.nodeId())))
                  .map(x -> true);
            });
  }

  @Override
  public Future<Void> deregister(int nodeId) {
    return RELEASE
        .run(
            redis,
            List.of(claimKey(nodeId), infoKey(nodeId), setKey()),
            List.of(token, Integer.toString(nodeId)))
        .mapEmpty();
  }

  @Override
  public Future<List<NodeStatus>> liveNodes() {
    return redis
        .send(Command.SMEMBERS, setKey())
        .compose(
            members -> {
              List<Integer> ids = new ArrayList<>();
              for (Response m : members) {
                ids.add(Integer.parseInt(m.toString()));
              }
              ids.sort(null);
              if (ids.isEmpty()) {
                return Future.succeededFuture(List.<NodeStatus>of());
              }
              List<Request> reqs = new ArrayList<>();
              for (int id : ids) {
                reqs.add(Request.cmd(Command.HGETALL, infoKey(id)));
              }
              return redis.batch(reqs).map(replies -> toStatuses(ids, replies));
            });
  }

  private List<NodeStatus> toStatuses(List<Integer> ids, List<Response> replies) {
    List<NodeStatus> out = new ArrayList<>();
    for (int i = 0; i < ids.size(); i++) {
      Response h = replies.get(i);
      Map<String, String> f = new HashMap<>();
      for (int j = 0; h != null && j + 1 < h.size(); j += 2) {
        f.put(h.get(j).toString(), h.get(j + 1).toString());
      }
      if (!f.containsKey("ws_url")) {
        // expired: forget the id (a heartbeat racing with this adds it back)
        redis.send(Command.SREM, setKey(), ids.get(i));
        continue;
      }
      out.add(
          new NodeStatus(
              ids.get(i),
              f.get("ws_url"),
              Integer.parseInt(f.getOrDefault("connections", "0")),
              "1".equals(f.get("ready"))));
    }
    return out;
  }

  @Override
  public void close() {}
}
