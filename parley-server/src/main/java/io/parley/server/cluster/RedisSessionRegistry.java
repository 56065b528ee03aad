package io.parley.server.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;

/**
 * {@link SessionRegistry} on Redis. Data model (all keys under the cluster prefix):
 *
 * <ul>
 *   <li>{@code lease:{nodeId}} — a string holding the node's current <em>incarnation</em> (a random
 *       token chosen by the registry instance that runs the node), with a TTL ({@code PX}) renewed
 *       by {@link #heartbeat(int)}.
 *   <li>{@code sess:{userId}} — a hash, one field per device: {@code deviceId -> "nodeId
 *       incarnation connId"}.
 * </ul>
 *
 * A session field is valid only while {@code lease:{nodeId}} exists and holds the incarnation
 * written in the field: this emulates a per-field expiry (Redis before 7.4 cannot expire hash
 * fields) with one TTL per node instead of one per session, so a heartbeat costs one command
 * whatever the number of connections. Readers fetch the user's hash, then the leases of the nodes
 * it names ({@code MGET}), and drop fields whose lease is gone or belongs to another incarnation.
 * Stale fields are deleted when read (compare-and-delete in Lua, so a field rewritten meanwhile by
 * a reconnect survives); fields of a user nobody asks about stay until that user's device registers
 * again (one small field per device).
 *
 * <p>Redis Cluster: every key is a single-key operation except the {@code MGET} of leases; give the
 * lease keys one hash tag (the default prefix {@code lease:} is used as-is on a standalone server;
 * on a cluster use a prefix like {@code {parley}:}).
 */
public final class RedisSessionRegistry implements SessionRegistry {
  private static final LuaScript DELETE_IF =
      new LuaScript(
          """
          local v = redis.call('HGET', KEYS[1], ARGV[1])
          if v and (v == ARGV[2] or (ARGV[3] == '1' and string.sub(v, -string.len(ARGV[2])) == ARGV[2])) then
            return redis.call('HDEL', KEYS[1], ARGV[1])
          end
          return 0
          """);

  private final ClusterRedis redis;
  private final long ttlMs;
  private final Map<Integer, String> incarnations = new ConcurrentHashMap<>();

  public RedisSessionRegistry(ClusterRedis redis, Duration leaseTtl) {
    this.redis = redis;
    this.ttlMs = leaseTtl.toMillis();
  }

  private String leaseKey(int nodeId) {
    return redis.key("lease:" + nodeId);
  }

  private String sessKey(long userId) {
    return redis.key("sess:" + userId);
  }

  @Override
  public Future<Void> register(long userId, long deviceId, int nodeId, String connId) {
    if (connId.indexOf(' ') >= 0) {
      return Future.failedFuture(new IllegalArgumentException("connId contains a space"));
    }
    return incarnation(nodeId)
        .compose(
            inc ->
                redis.send(
                    Command.HSET,
                    sessKey(userId),
                    Long.toString(deviceId),
                    nodeId + " " + inc + " " + connId))
        .mapEmpty();
  }

  private Future<String> incarnation(int nodeId) {
    String inc = incarnations.get(nodeId);
    if (inc != null) {
      return Future.succeededFuture(inc);
    }
    String fresh = UUID.randomUUID().toString().replace("-", "");
    String won = incarnations.putIfAbsent(nodeId, fresh);
    if (won != null) {
      return Future.succeededFuture(won);
    }
    return redis.send(Command.SET, leaseKey(nodeId), fresh, "PX", ttlMs).map(r -> fresh);
  }

  @Override
  public Future<Void> unregister(long userId, long deviceId, String connId) {
    return DELETE_IF
        .run(redis, List.of(sessKey(userId)), List.of(Long.toString(deviceId), " " + connId, "1"))
        .mapEmpty();
  }

  @Override
  public Future<List<Session>> devicesOf(long userId) {
    return redis
        .send(Command.HGETALL, sessKey(userId))
        .compose(
            hash -> {
              Map<Long, Map<Long, String>> raw = new HashMap<>();
              raw.put(userId, fields(hash));
              return resolve(raw);
            })
        .map(m -> m.get(userId));
  }

  @Override
  public Future<Set<Integer>> nodesOf(long userId) {
    return devicesOf(userId).map(RedisSessionRegistry::nodes);
  }

  @Override
  public Future<Map<Long, Set<Integer>>> nodesOf(Collection<Long> userIds) {
    List<Long> users = new ArrayList<>(new LinkedHashSet<>(userIds));
    if (users.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<Request> reqs = new ArrayList<>(users.size());
    for (long u : users) {
      reqs.add(Request.cmd(Command.HGETALL, sessKey(u)));
    }
    return redis
        .batch(reqs)
        .compose(
            replies -> {
              Map<Long, Map<Long, String>> raw = new LinkedHashMap<>();
              for (int i = 0; i < users.size(); i++) {
                raw.put(users.get(i), fields(replies.get(i)));
              }
              return resolve(raw);
            })
        .map(
            sessions -> {
              Map<Long, Set<Integer>> out = new HashMap<>();
              sessions.forEach((u, list) -> out.put(u, nodes(list)));
              return out;
            });
  }

  private static Set<Integer> nodes(List<Session> sessions) {
    Set<Integer> nodes = new TreeSet<>();
    for (Session s : sessions) {
      nodes.add(s.nodeId());
    }
    return nodes;
  }

  private static Map<Long, String> fields(Response hash) {
    Map<Long, String> out = new HashMap<>();
    if (hash != null) {
      for (int i = 0; i + 1 < hash.size(); i += 2) {
        out.put(Long.parseLong(hash.get(i).toString()), hash.get(i + 1).toString());
      }
    }
    return out;
  }

  /** Keeps the fields whose node lease is alive in the written incarnation; deletes the others. */
  private Future<Map<Long, List<Session>>> resolve(Map<Long, Map<Long, String>> raw) {
    Set<Integer> nodeIds = new TreeSet<>();
    raw.values().forEach(f -> f.values().forEach(v -> nodeIds.add(parseNode(v))));
    Future<Map<Integer, String>> leases;
    if (nodeIds.isEmpty()) {
      leases = Future.succeededFuture(Map.of());
    } else {
      List<Integer> ids = new ArrayList<>(nodeIds);
      Object[] keys = ids.stream().map(this::leaseKey).toArray();
      leases =
          redis
              .send(Command.MGET, keys)
              .map(
                  r -> {
                    Map<Integer, String> m = new HashMap<>();
                    for (int i = 0; i < ids.size(); i++) {
                      Response v = r.get(i);
                      if (v != null) {
                        m.put(ids.get(i), v.toString());
                      }
                    }
                    return m;
                  });
    }
    return leases.map(
        live -> {
          Map<Long, List<Session>> out = new LinkedHashMap<>();
          for (Map.Entry<Long, Map<Long, String>> u : raw.entrySet()) {
            List<Session> list = new ArrayList<>();
            for (Map.Entry<Long, String> f : u.getValue().entrySet()) {
              String[] parts = f.getValue().split(" ", 3);
              int node = Integer.parseInt(parts[0]);
              if (parts.length == 3 && parts[1].equals(live.get(node))) {
                list.add(new Session(u.getKey(), f.getKey(), node, parts[2]));
              } else {
                DELETE_IF.run(
                    redis,
                    List.of(sessKey(u.getKey())),
                    List.of(Long.toString(f.getKey()), f.getValue(), "0"));
              }
            }
            out.put(u.getKey(), list);
          }
          return out;
        });
  }

  private static int parseNode(String value) {
    int sp = value.indexOf(' ');
    return Integer.parseInt(sp < 0 ? value : value.substring(0, sp));
  }

  @Override
  public Future<Boolean> heartbeat(int nodeId) {
    String inc = incarnations.get(nodeId);
    if (inc == null) {
      return incarnation(nodeId).map(i -> true);
    }
    return redis
        .send(Command.PEXPIRE, leaseKey(nodeId), ttlMs)
        .compose(
            r -> {
              if (r.toInteger() == 1) {
                return Future.succeededFuture(true);
              }
              incarnations.remove(nodeId, inc);
              return incarnation(nodeId).map(i -> false);
            });
  }

  @Override
  public void close() {}
}
