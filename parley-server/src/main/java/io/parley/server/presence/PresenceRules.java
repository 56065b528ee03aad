package io.parley.server.presence;

import io.parley.server.auth.Audience;
import io.parley.server.auth.Privacy;
import io.parley.server.auth.UserStore;
import io.parley.server.presence.PresenceService.State;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Who sees what of a user's presence (the rules documented on {@link PresenceService}), with this
 * node's cache of users' {@link Privacy}. The cache is dropped per user by {@link #forget} (a
 * {@code PRIVACY_CHANGED} event from any node) and whole by {@link #forgetAll}; a load racing with
 * a drop is not cached. May block on a cache miss.
 */
final class PresenceRules {
  private static final int MAX_PRIVACY_CACHE = 100_000;

  private final UserStore users;
  private final ConcurrentHashMap<Long, Privacy> privacy = new ConcurrentHashMap<>();
  private final AtomicLong epoch = new AtomicLong();

  PresenceRules(UserStore users) {
    this.users = users;
  }

  void forget(long userId) {
    epoch.incrementAndGet();
    privacy.remove(userId);
  }

  void forgetAll() {
    epoch.incrementAndGet();
    privacy.clear();
  }

  /**
   * What {@code viewer} may see of {@code raw} (the target's state, last seen now while online),
   * given whether they share a conversation and have a relationship; {@code previousSessionEnd} is
   * what an online target with hidden online state shows as last seen (null: never).
   */
  State visible(long viewer, State raw, Long previousSessionEnd, boolean shared, boolean contact) {
    long target = raw.userId();
    if (viewer == target) {
      return raw;
    }
    Privacy p = privacyOf(target);
    boolean online = raw.online() && allowed(p.online(), shared, contact);
    Long seen = null;
    if (allowed(p.lastSeen(), shared, contact)) {
      // online but hidden: the end of the previous session, never "now"
      seen = online || !raw.online() ? raw.lastSeen() : previousSessionEnd;
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
    long before = epoch.get();
    Privacy loaded = users.privacy(userId).orElse(Privacy.DEFAULT);
    if (epoch.get() == before) {
      privacy.putIfAbsent(userId, loaded);
      if (epoch.get() != before) {
        privacy.remove(userId, loaded); // dropped while caching: may be stale
      }
    }
    return loaded;
  }
}
