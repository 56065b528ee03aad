package io.parley.server.cluster;

import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;

/** Single-process {@link PresenceStore}, with time from an injected {@link Clock}. */
public final class InMemoryPresenceStore implements PresenceStore {
  /** {@code beatMs}: last confirmation; {@code endedMs}: end of the last finished session. */
  private record Entry(long onlineUntilMs, long beatMs, long endedMs) {}

  private final Clock clock;
  private final long ttlMs;
  private final Map<Long, Entry> entries = new HashMap<>();

  public InMemoryPresenceStore(Clock clock, Duration ttl) {
    this.clock = clock;
    this.ttlMs = ttl.toMillis();
  }

  @Override
  public synchronized Future<Void> markOnline(long userId, int nodeId) {
    long now = clock.millis();
    Entry e = entries.get(userId);
    entries.put(userId, new Entry(now + ttlMs, now, e == null ? 0 : e.endedMs()));
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Void> markOffline(long userId, long nowMs) {
    entries.put(userId, new Entry(0, nowMs, nowMs));
    return Future.succeededFuture();
  }

  @Override
  public synchronized Future<Map<Long, PresenceState>> get(Collection<Long> userIds) {
    long now = clock.millis();
    Map<Long, PresenceState> out = new LinkedHashMap<>();
    for (long u : userIds) {
      Entry e = entries.get(u);
      if (e == null) {
        out.put(u, new PresenceState(u, false, 0));
      } else if (e.onlineUntilMs() > now) {
        out.put(u, new PresenceState(u, true, e.beatMs(), e.endedMs()));
      } else {
        out.put(u, new PresenceState(u, false, Math.max(e.beatMs(), e.endedMs())));
      }
    }
    return Future.succeededFuture(out);
  }

  @Override
  public void close() {}
}
