package io.parley.server.cluster;

import io.parley.server.api.Authenticator;
import io.parley.server.config.ParleyConfig;
import io.parley.server.http.Http;
import io.vertx.core.Future;
import io.vertx.ext.web.Router;
import java.util.List;

/**
 * REST: {@code GET /v1/discovery}, the live nodes and the recommended one ({@link DiscoveryView}).
 * On a single node the list is this node alone.
 */
public final class DiscoveryRoutes {
  private final ParleyConfig cfg;
  private final ClusterNode cluster;
  private final java.util.function.IntSupplier connections;
  private final Authenticator auth;

  /**
   * @param cluster this node's cluster membership, or null on a single node
   */
  public DiscoveryRoutes(
      ParleyConfig cfg,
      ClusterNode cluster,
      java.util.function.IntSupplier connections,
      Authenticator auth) {
    this.cfg = cfg;
    this.cluster = cluster;
    this.connections = connections;
    this.auth = auth;
  }

  public void mount(Router r) {
    r.get("/v1/discovery").handler(Http.requireAuth(auth));
    r.get("/v1/discovery")
        .handler(
            ctx -> {
              Future<List<NodeStatus>> live =
                  cluster != null
                      ? cluster.liveNodes()
                      : Future.succeededFuture(
                          List.of(
                              new NodeStatus(
                                  cfg.node().id(),
                                  ClusterConfig.advertisedWsUrl(cfg),
                                  connections.getAsInt(),
                                  true)));
              live.onComplete(
                  ar -> {
                    if (ar.failed()) {
                      Http.fail(ctx, ar.cause());
                      return;
                    }
                    ctx.response()
                        .putHeader("Content-Type", "application/json")
                        .end(DiscoveryView.toJson(ar.result()).encode());
                  });
            });
  }
}
