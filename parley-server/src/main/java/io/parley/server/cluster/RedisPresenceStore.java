package io.parley.server.cluster;

import io.vertx.core.Future;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;

/**
 * {@link PresenceStore} on Redis. Keys (under the cluster prefix): {@code pres:on:{userId}} holds
 * the node id while the user is online and expires after the TTL ({@code PX}) unless refreshed;
 * {@code pres:beat:{userId}} holds the last confirmation (epoch ms) and {@code pres:seen:{userId}}
 * the end of the last finished session (no expiry: two small strings per user ever seen). Offline,
 * the later of the two is the last-seen time, so a user whose node died keeps its last
 * confirmation. Every operation is single-key commands sent as one pipeline, so it works unchanged
 * on Redis Cluster. Times come from the injected clock (the nodes' clocks), not Redis's.
 */
public final class RedisPresenceStore implements PresenceStore {
  private final ClusterRedis redis;
  private final Clock clock;
  private final long ttlMs;

  public RedisPresenceStore(ClusterRedis redis, Clock clock, Duration ttl) {
    this.redis = redis;
    this.clock = clock;
    this.ttlMs = ttl.toMillis();
  }

  private String onKey(long userId) {
    return redis.key("pres:on:" + userId);
  }

  private String beatKey(long userId) {
    return redis.key("pres:beat:" + userId);
  }

  private String seenKey(long userId) {
    return redis.key("pres:seen:" + userId);
  }

  @Override
  public Future<Void> markOnline(long userId, int nodeId) {
    return markOnline(List.of(userId), nodeId);
  }

  @Override
  public Future<Void> markOnline(Collection<Long> userIds, int nodeId) {
    if (userIds.isEmpty()) {
      return Future.succeededFuture();
    }
    long now = clock.millis();
    List<Request> reqs = new ArrayList<>(2 * userIds.size());
    for (long u : userIds) {
      reqs.add(Request.cmd(Command.SET, onKey(u), nodeId, "PX", ttlMs));
      reqs.add(Request.cmd(Command.SET, beatKey(u), now));
    }
    return redis.batch(reqs).mapEmpty();
  }

  @Override
  public Future<Void> markOffline(long userId, long nowMs) {
    return redis
        .batch(
            List.of(
                Request.cmd(Command.DEL, onKey(userId)),
                Request.cmd(Command.SET, beatKey(userId), nowMs),
                Request.cmd(Command.SET, seenKey(userId), nowMs)))
        .mapEmpty();
  }

  @Override
  public Future<Map<Long, PresenceState>> get(Collection<Long> userIds) {
    List<Long> users = new ArrayList<>(new LinkedHashSet<>(userIds));
    if (users.isEmpty()) {
      return Future.succeededFuture(Map.of());
    }
    List<Request> reqs = new ArrayList<>(3 * users.size());
    for (long u : users) {
      reqs.add(Request.cmd(Command.EXISTS, onKey(u)));
      reqs.add(Request.cmd(Command.GET, beatKey(u)));
      reqs.add(Request.cmd(Command.GET, seenKey(u)));
    }
    return redis
        .batch(reqs)
        .map(
            replies -> {
              Map<Long, PresenceState> out = new LinkedHashMap<>();
              for (int i = 0; i < users.size(); i++) {
                long u = users.get(i);
                boolean online = replies.get(3 * i).toInteger() == 1;
                long beat = millis(replies.get(3 * i + 1));
                long ended = millis(replies.get(3 * i + 2));
                out.put(
                    u,
                    online
                        ? new PresenceState(u, true, beat, ended)
                        : new PresenceState(u, false, Math.max(beat, ended)));
              }
              return out;
            });
  }

  private static long millis(Response r) {
    return r == null ? 0 : Long.parseLong(r.toString());
  }

  @Override
  public void close() {}
}
