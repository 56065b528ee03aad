package io.parley.server.presence;

import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.auth.UserStore;
import io.parley.server.cluster.PresenceState;
import io.parley.server.cluster.PresenceStore;
import io.parley.server.cluster.SessionRegistry;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.conversation.model.Memberships.Relations;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.Outbound;
import io.vertx.core.Future;
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
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Online/offline and last-seen of users, cluster-wide, and the subscriptions of this node's streams
 * to the users they look at.
 *
 * <p><b>State.</b> The {@link PresenceStore} holds it (in memory on a single node, in Redis in a
 * cluster; the same code path): a user's first connection on this node marks it online, and every
 * {@link #heartbeat} renews the online lease of the users connected here. When a user's last
 * connection here goes, it is marked offline (last seen now) only if the {@link SessionRegistry}
 * shows no session on another node. If a node dies, its users' leases lapse within the store's TTL
 * and they read offline with the last confirmation as last seen. Writes for one user from this node
 * are applied in order.
 *
 * <p><b>Notifications.</b> A transition (offline to online, or the last device gone) is published
 * as a {@link ClusterEvent.Kind#PRESENCE_CHANGED} on the {@link Broker}; every node re-reads the
 * user from the store and re-evaluates only its own subscriptions ({@link #changed}). Changes no
 * event announces (a node died, racing disconnects on two nodes) are found by the {@link
 * #heartbeat}'s sweep over the watched users, within the TTL plus one heartbeat. Privacy changes
 * arrive as {@link ClusterEvent.Kind#PRIVACY_CHANGED} ({@link #privacyChanged}), and relationship
 * changes through {@link Memberships.RelationshipListener}.
 *
 * <p><b>Who sees what.</b> Only users sharing a conversation may subscribe to (or query) each
 * other; others get {@code forbidden}. What a viewer then sees of a target follows the target's
 * {@link io.parley.server.auth.Privacy}: {@code online} and {@code last_seen} are shown only to the
 * audience of their setting ({@code everyone}: anyone sharing a conversation; {@code contacts}, the
 * default: users with a relationship, i.e. a shared group or a direct conversation with at least
 * one message; {@code nobody}). Hidden parts read {@code online: false} and {@code last_seen:
 * null}, so a hidden user looks like one who was never seen; with {@code online} hidden but {@code
 * last_seen} shown, the last-seen time stays the end of the previous session while the user is
 * online. Settings are not reciprocal. A user always sees itself in full. The same rules hold
 * whichever node the viewer and the target are connected to.
 *
 * <p><b>Frames.</b> Each subscription remembers what it last showed and gets a {@code presence}
 * frame only when that changes: on connect/disconnect, when the target changes its privacy, and
 * when a relationship appears or ends (first message of a direct conversation, group membership
 * changes). Subscribing answers with the current state each time; subscribing to a user twice keeps
 * one subscription. Re-evaluation runs on a serial executor off the event loop and may block on the
 * store there.
 */
public final class PresenceService implements Memberships.RelationshipListener {
  private static final Logger log = LoggerFactory.getLogger(PresenceService.class);
  private static final int REFRESH_CHUNK = 500;
  private static final long AWAIT_SECONDS = 5;

  private final PresenceStore store;
  private final SessionRegistry sessions;
  private final Broker broker;
  private final int nodeId;
  private final LocalUsers local;
  private final Memberships memberships;
  private final PresenceRules rules;
  private final Executor workers;
  private final Clock clock;
  private final ConcurrentHashMap<Long, Set<PresenceSubscriber>> watchers =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<PresenceSubscriber, Map<Long, Sub>> subs =
      new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Set<PresenceSubscriber>> byViewer =
      new ConcurrentHashMap<>();

  /** Raw state last read of each watched user, for the sweep. */
  private final ConcurrentHashMap<Long, State> known = new ConcurrentHashMap<>();

  /** The pending store write of each user, so this node's writes apply in order. */
  private final ConcurrentHashMap<Long, Future<Boolean>> writes = new ConcurrentHashMap<>();

  private final AtomicBoolean sweepQueued = new AtomicBoolean();
  private final Object tailLock = new Object();
  private CompletableFuture<Void> tail = CompletableFuture.completedFuture(null);

  /** A user's presence. {@code lastSeen} is now while online. */
  public record State(long userId, boolean online, Long lastSeen) {
    /** What a subscriber compares: an online state is the same whatever "now" was. */
    State key() {
      return online ? new State(userId, true, lastSeen == null ? null : -1L) : this;
    }
  }

  /** One stream's subscription to one user: what it was last shown. */
  private static final class Sub {
    private State shown;
  }

  public PresenceService(
      PresenceStore store,
      SessionRegistry sessions,
      Broker broker,
      int nodeId,
      LocalUsers local,
      Memberships memberships,
      UserStore users,
      Executor workers,
      Clock clock) {
    this.store = store;
    this.sessions = sessions;
    this.broker = broker;
    this.nodeId = nodeId;
    this.local = local;
    this.memberships = memberships;
    this.rules = new PresenceRules(users);
    this.workers = workers;
    this.clock = clock;
  }

  /** Called after a connection registered; {@code count} connections the user now has here. */
  public void connected(long userId, int count) {
    if (count != 1) {
      return;
    }
    write(
        userId,
        () ->
            store
                .get(List.of(userId))
                .compose(
                    before ->
                        store.markOnline(userId, nodeId).map(v -> !before.get(userId).online())));
  }

  /** Called after a connection left; {@code remaining} connections of the user are left here. */
  public void disconnected(PresenceSubscriber c, int remaining) {
    Map<Long, Sub> mine = subs.remove(c);
    if (mine != null) {
      for (Long u : mine.keySet()) {
        unwatch(u, c);
      }
    }
    byViewer.computeIfPresent(c.userId(), (k, set) -> set.remove(c) && set.isEmpty() ? null : set);
    if (remaining != 0) {
      return;
    }
    long userId = c.userId();
    long now = clock.millis();
    write(
        userId,
        () -> {
          if (local.isOnline(userId)) {
            return Future.succeededFuture(false); // back meanwhile
          }
          return sessions
              .nodesOf(userId)
              .compose(
                  nodes -> {
                    boolean elsewhere = nodes.stream().anyMatch(n -> n != nodeId);
                    if (elsewhere || local.isOnline(userId)) {
                      return Future.succeededFuture(false);
                    }
                    return store.markOffline(userId, now).map(v -> true);
                  });
        });
  }

  /**
   * Renews the online lease of the users connected here and sweeps the watched users for changes no
   * event announced. Call every cluster heartbeat; never blocks.
   */
  public void heartbeat() {
    List<Long> here = new ArrayList<>();
    for (Long u : local.users()) {
      if (!writes.containsKey(u)) { // a connect or disconnect of it is being written
        here.add(u);
      }
    }
    for (int i = 0; i < here.size(); i += REFRESH_CHUNK) {
      store
          .markOnline(here.subList(i, Math.min(here.size(), i + REFRESH_CHUNK)), nodeId)
          .onFailure(e -> log.debug("presence refresh failed: {}", e.getMessage()));
    }
    if (!watchers.isEmpty() && sweepQueued.compareAndSet(false, true)) {
      serially(
          () -> {
            sweepQueued.set(false);
            sweep(false);
          });
    }
  }

  /**
   * Subscribes {@code c} to users; each must share a conversation with the subscriber (else {@code
   * forbidden}, and nothing changes). Sends the state of each as the subscriber may see it. Blocks.
   */
  public void subscribe(PresenceSubscriber c, Collection<Long> userIds) {
    Set<Long> wanted = new LinkedHashSet<>(userIds);
    Relations rel = authorize(c.userId(), wanted);
    Map<Long, PresenceState> states = await(store.get(wanted));
    Map<Long, Sub> mine = subs.computeIfAbsent(c, k -> new ConcurrentHashMap<>());
    byViewer.computeIfAbsent(c.userId(), k -> ConcurrentHashMap.newKeySet()).add(c);
    for (Long u : wanted) {
      Sub sub = mine.computeIfAbsent(u, k -> new Sub());
      watchers.compute(
          u,
          (k, set) -> {
            Set<PresenceSubscriber> s = set != null ? set : ConcurrentHashMap.newKeySet();
            s.add(c);
            return s;
          });
      synchronized (sub) {
        State v =
            visible(
                c.userId(), u, rel.shared().contains(u), rel.contacts().contains(u), states.get(u));
        sub.shown = v.key();
        c.offer(Outbound.of(frame(v)));
      }
    }
    if (c.isClosed()) {
      disconnected(c, -1); // closed meanwhile: drop what was just added
    }
  }

  public void unsubscribe(PresenceSubscriber c, Collection<Long> userIds) {
    Map<Long, Sub> mine = subs.get(c);
    for (Long u : userIds) {
      if (mine != null) {
        mine.remove(u);
      }
      unwatch(u, c);
    }
  }

  /** Presence of users as the caller may see it; {@code forbidden} without shared conversation. */
  public List<State> query(long callerId, Collection<Long> userIds) {
    Relations rel = authorize(callerId, userIds);
    Map<Long, PresenceState> states = await(store.get(userIds));
    List<State> out = new ArrayList<>();
    for (Long u : userIds) {
      out.add(
          visible(
              callerId, u, rel.shared().contains(u), rel.contacts().contains(u), states.get(u)));
    }
    return out;
  }

  /**
   * A {@link ClusterEvent.Kind#PRESENCE_CHANGED}: re-evaluates this node's watchers of the user.
   */
  public void changed(long userId) {
    if (hasWatchers(userId)) {
      serially(() -> reevaluateWatchersOf(userId, fetch(userId)));
    }
  }

  /** A {@link ClusterEvent.Kind#PRIVACY_CHANGED}: drops the cached privacy and re-evaluates. */
  public void privacyChanged(long userId) {
    rules.forget(userId);
    changed(userId);
  }

  /** This node may have missed events ({@link ClusterEvent.Kind#CACHES_STALE}): re-reads all. */
  public void cachesStale() {
    rules.forgetAll();
    if (!watchers.isEmpty()) {
      serially(() -> sweep(true));
    }
  }

  @Override
  public void relationshipsChanged(long conversationId, long[] previousMembers) {
    if (watchers.isEmpty()) {
      return;
    }
    serially(
        () -> {
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
          Set<Long> affected = new HashSet<>();
          for (Long u : now) {
            if (previousMembers == null || !before.contains(u)) {
              affected.add(u);
            }
          }
          for (Long u : before) {
            if (!now.contains(u)) {
              affected.add(u);
            }
          }
          for (Long u : affected) {
            if (hasWatchers(u)) {
              reevaluateWatchersOf(u, fetch(u));
            }
            reevaluateSubscriptionsOf(u);
          }
        });
  }

  /** Applies one store write of {@code userId} after the previous one; publishes a transition. */
  private void write(long userId, Supplier<Future<Boolean>> op) {
    AtomicReference<Future<Boolean>> mine = new AtomicReference<>();
    writes.compute(
        userId,
        (k, prev) -> {
          Future<Boolean> after = prev == null ? Future.succeededFuture(false) : prev;
          mine.set(after.transform(ignored -> op.get()));
          return mine.get();
        });
    Future<Boolean> f = mine.get();
    f.onComplete(
        r -> {
          writes.remove(userId, f);
          if (r.failed()) {
            log.warn("presence of user {} not written: {}", userId, r.cause().getMessage());
          } else if (r.result()) {
            broker.publishEvent(ClusterEvent.presenceChanged(userId));
          }
        });
  }

  /** Re-reads every watched user; re-evaluates those whose state changed (or all if forced). */
  private void sweep(boolean all) {
    Set<Long> targets = new HashSet<>(watchers.keySet());
    known.keySet().retainAll(targets);
    if (targets.isEmpty()) {
      return;
    }
    Map<Long, PresenceState> states = await(store.get(targets));
    for (Long t : targets) {
      PresenceState s = states.get(t);
      if (all || !raw(t, s).key().equals(known.get(t))) {
        reevaluateWatchersOf(t, s);
      }
    }
  }

  private PresenceState fetch(long userId) {
    return await(store.get(List.of(userId))).get(userId);
  }

  private boolean hasWatchers(long userId) {
    Set<PresenceSubscriber> ws = watchers.get(userId);
    return ws != null && !ws.isEmpty();
  }

  private void unwatch(long target, PresenceSubscriber c) {
    watchers.computeIfPresent(target, (k, set) -> set.remove(c) && set.isEmpty() ? null : set);
  }

  private void reevaluateWatchersOf(long target, PresenceState s) {
    known.put(target, raw(target, s).key());
    Set<PresenceSubscriber> ws = watchers.get(target);
    if (ws == null || ws.isEmpty()) {
      return;
    }
    Relations rel = memberships.relationsOf(target);
    for (PresenceSubscriber c : ws) {
      long viewer = c.userId();
      show(c, target, rel.shared().contains(viewer), rel.contacts().contains(viewer), s);
    }
  }

  /** Re-evaluates what the streams of {@code viewer} here are shown of each user they watch. */
  private void reevaluateSubscriptionsOf(long viewer) {
    Set<PresenceSubscriber> streams = byViewer.get(viewer);
    if (streams == null || streams.isEmpty()) {
      return;
    }
    Relations rel = memberships.relationsOf(viewer);
    for (PresenceSubscriber c : streams) {
      Map<Long, Sub> mine = subs.get(c);
      if (mine == null || mine.isEmpty()) {
        continue;
      }
      Map<Long, PresenceState> states = await(store.get(mine.keySet()));
      for (Map.Entry<Long, PresenceState> e : states.entrySet()) {
        long target = e.getKey();
        show(
            c,
            target,
            rel.shared().contains(target),
            rel.contacts().contains(target),
            e.getValue());
      }
    }
  }

  /** Sends the target's visible state to {@code c} if it differs from what was shown. */
  private void show(
      PresenceSubscriber c, long target, boolean shared, boolean contact, PresenceState s) {
    Map<Long, Sub> mine = subs.get(c);
    Sub sub = mine == null ? null : mine.get(target);
    if (sub == null) {
      return;
    }
    synchronized (sub) {
      State v = visible(c.userId(), target, shared, contact, s);
      State k = v.key();
      if (!k.equals(sub.shown)) {
        sub.shown = k;
        c.offer(Outbound.of(frame(v)));
      }
    }
  }

  /** The stored state, with this node's own connections counted at once. */
  private State raw(long userId, PresenceState s) {
    boolean online = s.online() || local.isOnline(userId);
    return new State(userId, online, online ? Long.valueOf(clock.millis()) : seen(s.lastSeenMs()));
  }

  /** The target's state as {@code viewer} may see it. */
  private State visible(
      long viewer, long target, boolean shared, boolean contact, PresenceState s) {
    return rules.visible(viewer, raw(target, s), seen(s.previousSessionEndMs()), shared, contact);
  }

  private static Long seen(long ms) {
    return ms > 0 ? Long.valueOf(ms) : null;
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

  private static <T> T await(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(AWAIT_SECONDS, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted reading presence", e);
    } catch (ExecutionException | TimeoutException e) {
      throw new IllegalStateException("presence store unavailable: " + e, e);
    }
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
