package io.parley.server.presence;

import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.delivery.Outbound;
import io.parley.server.gateway.Connection;
import io.parley.server.gateway.ConnectionRegistry;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Online/offline and last-seen of users, derived from their connections on this node, and the
 * subscriptions of connections to the users they look at. Only users sharing a conversation may
 * subscribe to each other. Subscribers get the current state at once and every change after.
 */
public final class PresenceService {
  private final ConnectionRegistry connections;
  private final Memberships memberships;
  private final Clock clock;
  private final ConcurrentHashMap<Long, Long> lastSeen = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Set<Connection>> watchers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Connection, Set<Long>> watching = new ConcurrentHashMap<>();

  /** A user's presence. {@code lastSeen} is now while online. */
  public record State(long userId, boolean online, Long lastSeen) {}

  public PresenceService(ConnectionRegistry connections, Memberships memberships, Clock clock) {
    this.connections = connections;
    this.memberships = memberships;
    this.clock = clock;
  }

  public State state(long userId) {
    boolean online = connections.isOnline(userId);
    Long seen = online ? Long.valueOf(clock.millis()) : lastSeen.get(userId);
    return new State(userId, online, seen);
  }

  /** Called after a connection registered; {@code count} connections the user now has. */
  public void connected(long userId, int count) {
    if (count == 1) {
      notifyWatchers(state(userId));
    }
  }

  /** Called after a connection left; {@code remaining} connections of the user are left. */
  public void disconnected(Connection c, int remaining) {
    Set<Long> watched = watching.remove(c);
    if (watched != null) {
      for (Long u : watched) {
        Set<Connection> ws = watchers.get(u);
        if (ws != null) {
          ws.remove(c);
        }
      }
    }
    if (remaining == 0) {
      lastSeen.put(c.userId(), clock.millis());
      notifyWatchers(state(c.userId()));
    }
  }

  /**
   * Subscribes {@code c} to users; each must share a conversation with the subscriber. Sends the
   * current state of each. Blocks (reads memberships).
   */
  public void subscribe(Connection c, Collection<Long> userIds) {
    List<Long> allowed = authorize(c.userId(), userIds);
    Set<Long> mine = watching.computeIfAbsent(c, k -> ConcurrentHashMap.newKeySet());
    for (Long u : allowed) {
      mine.add(u);
      watchers.computeIfAbsent(u, k -> ConcurrentHashMap.newKeySet()).add(c);
      c.offer(Outbound.of(frame(state(u))));
    }
  }

  public void unsubscribe(Connection c, Collection<Long> userIds) {
    Set<Long> mine = watching.get(c);
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

  /** Presence of users the caller may see; throws {@code forbidden} otherwise. Blocks. */
  public List<State> query(long callerId, Collection<Long> userIds) {
    List<State> out = new ArrayList<>();
    for (Long u : authorize(callerId, userIds)) {
      out.add(state(u));
    }
    return out;
  }

  private List<Long> authorize(long callerId, Collection<Long> userIds) {
    Set<Long> contacts = memberships.contactsOf(callerId);
    for (Long u : userIds) {
      if (!contacts.contains(u)) {
        throw ApiException.forbidden("no shared conversation with user " + u);
      }
    }
    return List.copyOf(userIds);
  }

  private void notifyWatchers(State s) {
    Set<Connection> ws = watchers.get(s.userId());
    if (ws == null || ws.isEmpty()) {
      return;
    }
    Outbound f = Outbound.of(frame(s));
    for (Connection c : ws) {
      c.offer(f);
    }
  }

  private static String frame(State s) {
    return Json.write(new Frames.Presence(Long.toString(s.userId()), s.online(), s.lastSeen()));
  }
}
