package io.parley.server.cluster;

import io.vertx.core.Future;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * Online status and last-seen time of users, shared by every node.
 *
 * <p>"Online" is a lease: {@link #markOnline} makes a user online for the store's TTL, and the node
 * holding the user's connections must call it again (its heartbeat) before the TTL runs out. If
 * that node dies, the user turns offline within one TTL, with the last confirmation as {@code
 * last_seen}. {@link #markOffline} is for the moment the user's <em>last</em> device disconnects
 * anywhere in the cluster: the caller decides that (with the {@link SessionRegistry}); the store
 * does not count devices.
 *
 * <p>Non-blocking; futures complete on an event loop.
 */
public interface PresenceStore extends AutoCloseable {

  /** Marks the user online (connected on {@code nodeId}) for one TTL, and last seen now. */
  Future<Void> markOnline(long userId, int nodeId);

  /** Refreshes many users at once (a node's heartbeat over its connected users). */
  default Future<Void> markOnline(Collection<Long> userIds, int nodeId) {
    List<Future<Void>> all = new ArrayList<>();
    for (long u : userIds) {
      all.add(markOnline(u, nodeId));
    }
    return Future.all(all).mapEmpty();
  }

  /** Marks the user offline, last seen at {@code nowMs}. */
  Future<Void> markOffline(long userId, long nowMs);

  /** The presence of each of {@code userIds} (never seen: offline with last seen 0). */
  Future<Map<Long, PresenceState>> get(Collection<Long> userIds);

  @Override
  void close();
}
