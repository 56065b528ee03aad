package io.parley.server.cluster;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * The body of {@code GET /v1/discovery}: {@code {nodes: [{node_id, ws_url, connections}],
 * recommended}}, where {@code node_id} is a string (API.md: ids are strings) and {@code
 * recommended} is the {@code ws_url} of the least-loaded ready node, or null if no node is ready.
 */
public final class DiscoveryView {
  private DiscoveryView() {}

  public static JsonObject toJson(List<NodeStatus> live) {
    JsonArray nodes = new JsonArray();
    for (NodeStatus n : live) {
      nodes.add(
          new JsonObject()
              .put("node_id", Integer.toString(n.nodeId()))
              .put("ws_url", n.wsUrl())
              .put("connections", n.connections()));
    }
    return new JsonObject()
        .put("nodes", nodes)
        .put("recommended", NodeRegistry.leastLoaded(live).map(NodeStatus::wsUrl).orElse(null));
  }
}
