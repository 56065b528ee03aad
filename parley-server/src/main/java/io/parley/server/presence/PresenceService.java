package io.parley.server.presence;

import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.auth.Audience;
import io.parley.server.auth.Privacy;
import io.parley.server.auth.PrivacyListener;
import io.parley.server.auth.UserStore;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.conversation.model.Memberships.Relations;
import io.parley.server.delivery.Outbound;
import io.parley.server.gateway.Connection;
import io.parley.server.gateway.ConnectionRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online/offline and last-seen of users, derived from their connections on this node, and the
 * subscriptions of connections to the users they look at.
 *
 * <p><b>Who sees what.</b> Only users sharing a conversation may subscribe to (or query) each
 * other; others get {@code forbidden}. What a viewer then sees of a target follows the target's
 * {@link Privacy}: {@code online} and {@code last_seen} are shown only to the audience of their
 * setting ({@code everyone}: anyone sharing a conversation; {@code contacts}, the default: users
 * with a relationship, i.e. a shared group or a direct conversation with at least one message;
 * {@code nobody}). Hidden parts read {@code online: false} and {@code last_seen: null}, so a hidden
 * user looks like one who was never seen; with {@code online} hidden but {@code last_seen} shown,
 * the last-seen time stays the end of the previous session while the user is online. Settings are
 * not reciprocal. A user always sees itself in full.
 *
 * <p><b>Frames.</b> Each subscription remembers what it last showed and gets a {@code presence}
 * frame only when that changes: on connect/disconnect, when the target changes its privacy, and
 * when a relationship appears or ends (first message of a direct conversation, group membership
 * changes). Subscribing answers with the current state each time; subscribing to a user twice keeps
 * one subscription. Re-evaluation runs on a serial executor off the event loop.
 */
public final class PresenceService implements PrivacyListener, Memberships.RelationshipListener {
  private static final Logger log = LoggerFactory.getLogger(PresenceService.class);
  private static final int MAX_PRIVACY_CACHE = 100_000;

  private final ConnectionRegistry connections;
  private final Memberships memberships;
  private final UserStore users;
  private final Executor workers;
  private final Clock clock;
  private final ConcurrentHashMap<Long, Long> lastSeen = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Set<Connection>> watchers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Connection, Map<Long, Sub>> subs = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Privacy> privacy = new ConcurrentHashMap<>();
  private final Object tailLock = new Object();
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  /** A user's presence. {@code lastSeen} is now while online. */
  public record State(long userId, boolean online, Long lastSeen) {
    /** What a subscriber compares: an online state is the same whatever "now" was. */
    State key() {
      return online ? new State(userId, true, lastSeen == null ? null : -1L) : this;
    }
  }

  /** One connection's subscription to one user: what it was last shown. */
  private static final class Sub {
    private State shown;
  }

  public PresenceService(
      ConnectionRegistry connections,
      Memberships memberships,
      UserStore users,
      Executor workers,
      Clock clock) {
    this.connections = connections;
    this.memberships = memberships;
    this.users = users;
    this.workers = workers;
    this.clock = clock;
  }

  /** The raw state, as the user itself sees it. */
  public State state(long userId) {
    boolean online = connections.isOnline(userId);
    Long seen = online ? Long.valueOf(clock.millis()) : lastSeen.get(userId);
    return new State(userId, online, seen);
  }

  /** Called after a connection registered; {@code count} connections the user now has. */
  public void connected(long userId, int count) {
    if (count == 1) {
      changed(userId);
    }
  }

  /** Called after a connection left; {@code remaining} connections of the user are left. */
  public void disconnected(Connection c, int remaining) {
    Map<Long, Sub> mine = subs.remove(c);
    if (mine != null) {
      for (Long u : mine.keySet()) {
        Set<Connection> ws = watchers.get(u);
        if (ws != null) {
          ws.remove(c);
        }
      }
    }
    if (remaining == 0) {
      lastSeen.put(c.userId(), clock.millis());
      changed(c.userId());
    }
  }

  /**
   * Subscribes {@code c} to users; each must share a conversation with the subscriber (else {@code
   * forbidden}, and nothing changes). Sends the state of each as the subscriber may see it. Blocks.
   */
  public void subscribe(Connection c, Collection<Long> userIds) {
    Set<Long> wanted = new LinkedHashSet<>(userIds);
    Relations rel = authorize(c.userId(), wanted);
    Map<Long, Sub> mine = subs.computeIfAbsent(c, k -> new ConcurrentHashMap<>());
    for (Long u : wanted) {
      Sub sub = mine.computeIfAbsent(u, k -> new Sub());
      watchers.computeIfAbsent(u, k -> ConcurrentHashMap.newKeySet()).add(c);
      synchronized (sub) {
        State v = visible(c.userId(), u, rel.shared().contains(u), rel.contacts().contains(u));
        sub.shown = v.key();
        c.offer(Outbound.of(frame(v)));
      }
    }
    if (c.isClosed()) {
      disconnected(c, -1); // closed meanwhile: drop what was just added
    }
  }

  public void unsubscribe(Connection c, Collection<Long> userIds) {
    Map<Long, Sub> mine = subs.get(c);
    for (Long u : userIds) {
      if (mine != null) {
        mine.remove(u);
      }
      Set<Connection> ws = watchers.get(u);
      if (ws != null) {
        ws.remove(c);
      }
    }
  }

  /** Presence of users as the caller may see it; {@code forbidden} without shared conversation. */
  public List<State> query(long callerId, Collection<Long> userIds) {
    Relations rel = authorize(callerId, userIds);
    List<State> out = new ArrayList<>();
    for (Long u : userIds) {
      out.add(visible(callerId, u, rel.shared().contains(u), rel.contacts().contains(u)));
    }
    return out;
  }

  @Override
  public void privacyChanged(long userId, Privacy p) {
    privacy.put(userId, p);
    changed(userId);
  }

  @Override
  public void relationshipsChanged(long conversationId, long[] previousMembers) {
    if (watchers.isEmpty()) {
      return;
    }
    serially(
        () -> {
          Set<Long> affected = new HashSet<>();
          Set<Long> before = new HashSet<>();
          if (previousMembers != null) {
            for (long u : previousMembers) {
              before.add(u);
            }
          }
          Set<Long> now = new HashSet<>();
          for (long u : memberships.members(conversationId)) {
            now.add(u);
          }
          if (previousMembers == null) {
            affected.addAll(now);
          } else {
            for (Long u : now) {
              if (!before.contains(u)) {
                affected.add(u);
              }
            }
            for (Long u : before) {
              if (!now.contains(u)) {
                affected.add(u);
              }
            }
          }
          for (Long u : affected) {
            reevaluateWatchersOf(u);
            reevaluateSubscriptionsOf(u);
          }
        });
  }

  /** The target's state changed: re-evaluate its subscribers, off the caller's thread. */
  private void changed(long userId) {
    Set<Connection> ws = watchers.get(userId);
    if (ws != null && !ws.isEmpty()) {
      serially(() -> reevaluateWatchersOf(userId));
    }
  }

  private void reevaluateWatchersOf(long target) {
    Set<Connection> ws = watchers.get(target);
    if (ws == null || ws.isEmpty()) {
      return;
    }
    Relations rel = memberships.relationsOf(target);
    for (Connection c : ws) {
      long viewer = c.userId();
      show(c, target, rel.shared().contains(viewer), rel.contacts().contains(viewer));
    }
  }

  /** Re-evaluates what the connections of {@code viewer} are shown of each user they watch. */
  private void reevaluateSubscriptionsOf(long viewer) {
    Relations rel = null;
    for (Connection c : connections.of(viewer)) {
      Map<Long, Sub> mine = subs.get(c);
      if (mine == null || mine.isEmpty()) {
        continue;
      }
      if (rel == null) {
        rel = memberships.relationsOf(viewer);
      }
      for (Long target : mine.keySet()) {
        show(c, target, rel.shared().contains(target), rel.contacts().contains(target));
      }
    }
  }

  /** Sends the target's visible state to {@code c} if it differs from what was shown. */
  private void show(Connection c, long target, boolean shared, boolean contact) {
    Map<Long, Sub> mine = subs.get(c);
    Sub sub = mine == null ? null : mine.get(target);
    if (sub == null) {
      return;
    }
    synchronized (sub) {
      State v = visible(c.userId(), target, shared, contact);
      State k = v.key();
      if (!k.equals(sub.shown)) {
        sub.shown = k;
        c.offer(Outbound.of(frame(v)));
      }
    }
  }

  /** The target's state as {@code viewer} may see it. */
  private State visible(long viewer, long target, boolean shared, boolean contact) {
    State s = state(target);
    if (viewer == target) {
      return s;
    }
    Privacy p = privacyOf(target);
    boolean online = s.online() && allowed(p.online(), shared, contact);
    Long seen = null;
    if (allowed(p.lastSeen(), shared, contact)) {
      seen = online ? s.lastSeen() : lastSeen.get(target);
    }
    return new State(target, online, seen);
  }

  private static boolean allowed(Audience a, boolean shared, boolean contact) {
    return switch (a) {
      case EVERYONE -> shared || contact;
      case CONTACTS -> contact;
      case NOBODY -> false;
    };
  }

  private Privacy privacyOf(long userId) {
    Privacy p = privacy.get(userId);
    if (p != null) {
      return p;
    }
    if (privacy.size() >= MAX_PRIVACY_CACHE) {
      privacy.clear();
    }
    Privacy loaded = users.privacy(userId).orElse(Privacy.DEFAULT);
    Privacy raced = privacy.putIfAbsent(userId, loaded);
    return raced != null ? raced : loaded;
  }

  private Relations authorize(long callerId, Collection<Long> userIds) {
    Relations rel = memberships.relationsOf(callerId);
    for (Long u : userIds) {
      if (!rel.shared().contains(u)) {
        throw ApiException.forbidden("no shared conversation with user " + u);
      }
    }
    return rel;
  }

  /** Runs presence re-evaluations one at a time, in order, on the worker pool. */
  private void serially(Runnable task) {
    Runnable safe =
        () -> {
          try {
            task.run();
          } catch (RuntimeException e) {
            log.warn("presence update failed", e);
          }
        };
    synchronized (tailLock) {
      tail = tail.thenRunAsync(safe, workers).exceptionally(t -> null);
    }
  }

  private static String frame(State s) {
    return Json.write(new Frames.Presence(Long.toString(s.userId()), s.online(), s.lastSeen()));
  }
}
