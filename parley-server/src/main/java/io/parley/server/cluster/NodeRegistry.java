package io.parley.server.cluster;

import io.vertx.core.Future;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;

/**
 * The live nodes of the cluster, for service discovery ({@code GET /v1/discovery}) and to keep node
 * ids unique.
 *
 * <p>A registry object is one node's handle. Before serving, a node claims its id with {@link
 * #claimNodeId}: refused while another live node holds it (two nodes with one id would mint
 * colliding Snowflake message ids and share a session lease). The claim and the announced {@link
 * NodeStatus} live for one TTL and are renewed by {@link #heartbeat}; a node that stops
 * heartbeating disappears from {@link #liveNodes} and frees its id within one TTL. {@link
 * #deregister} leaves at once (graceful shutdown).
 *
 * <p>Non-blocking; futures complete on an event loop.
 */
public interface NodeRegistry extends AutoCloseable {

  /**
   * Claims {@code nodeId} for this handle. Completes with {@code true} if this handle now holds it
   * (also when it already did), {@code false} if another live node holds it.
   */
  Future<Boolean> claimNodeId(int nodeId);

  /**
   * Announces the node (first heartbeat). Fails with {@link IllegalStateException} if this handle
   * does not hold the node's id.
   */
  default Future<Void> register(NodeStatus status) {
    return heartbeat(status)
        .compose(
            held ->
                held
                    ? Future.succeededFuture()
                    : Future.failedFuture(
                        new IllegalStateException(
                            "node id " + status.nodeId() + " is not claimed by this node")));
  }

  /**
   * Renews the claim and publishes the node's current load and readiness for one TTL. Completes
   * with {@code false}, publishing nothing, if the id is held by another node (this node lost its
   * claim and must stop serving). A claim that lapsed without being taken is taken back.
   */
  Future<Boolean> heartbeat(NodeStatus status);

  /** Removes the node's status and releases its id, if this handle holds it. */
  Future<Void> deregister(int nodeId);

  /** The nodes that announced themselves within the last TTL, by node id. */
  Future<List<NodeStatus>> liveNodes();

  /** The ready node with the fewest connections (lowest id on ties); empty if none is ready. */
  default Future<Optional<NodeStatus>> recommended() {
    return liveNodes().map(NodeRegistry::leastLoaded);
  }

  /** The ready node with the fewest connections among {@code nodes} (lowest id on ties). */
  static Optional<NodeStatus> leastLoaded(List<NodeStatus> nodes) {
    return nodes.stream()
        .filter(NodeStatus::ready)
        .min(Comparator.comparingInt(NodeStatus::connections).thenComparingInt(NodeStatus::nodeId));
  }

  @Override
  void close();
}
