package io.parley.server.cluster;

import io.vertx.core.Future;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Which device of which user is connected on which node, cluster-wide.
 *
 * <p>Liveness: every node holds a <em>lease</em> that it renews with {@link #heartbeat(int)} more
 * often than the lease TTL. A session entry counts only while the lease of its node, in the
 * incarnation that registered it, is alive: when a node dies, all its sessions disappear from every
 * query within one TTL, without anyone deleting them. A node that restarts under the same id starts
 * a new incarnation, so the entries of its previous life do not come back.
 *
 * <p>One device has at most one session: registering it again (a reconnect, possibly on another
 * node) replaces the old entry. {@link #unregister} removes an entry only if it still belongs to
 * the given connection, so a late unregister of an old connection cannot remove the new one.
 *
 * <p>All methods are non-blocking; their futures complete on an event loop.
 */
public interface SessionRegistry extends AutoCloseable {

  /** Records that {@code deviceId} of {@code userId} is connected on {@code nodeId}. */
  Future<Void> register(long userId, long deviceId, int nodeId, String connId);

  /** Removes the device's session if it is still the one of connection {@code connId}. */
  Future<Void> unregister(long userId, long deviceId, String connId);

  /** The live sessions of a user's devices. */
  Future<List<Session>> devicesOf(long userId);

  /** The nodes where the user has at least one live session (empty when offline). */
  Future<Set<Integer>> nodesOf(long userId);

  /** {@link #nodesOf(long)} for many users at once; offline users map to an empty set. */
  Future<Map<Long, Set<Integer>>> nodesOf(Collection<Long> userIds);

  /** Whether the user has at least one live session. */
  default Future<Boolean> isOnline(long userId) {
    return nodesOf(userId).map(nodes -> !nodes.isEmpty());
  }

  /**
   * Renews the lease of {@code nodeId} (held by this registry instance). Completes with {@code
   * true} if the lease was still alive, {@code false} if it had lapsed (the node was too slow, or
   * the backing store lost its data): then this node's sessions are gone and the caller must
   * register its connected devices again.
   */
  Future<Boolean> heartbeat(int nodeId);

  @Override
  void close();
}
