package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;

import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link NodeRegistry} must have, with three handles (three nodes) on one
 * backing store; run on each implementation.
 */
abstract class NodeRegistryContract {
  static final Duration TTL = Duration.ofMillis(1000);

  protected NodeRegistry n1;
  protected NodeRegistry n2;
  protected NodeRegistry n3;
  protected ClusterTime time;

  /** Prepares a fresh, empty backing store with TTL {@link #TTL}. */
  protected abstract void newStore(Duration ttl);

  /** A new node handle on the current store. */
  protected abstract NodeRegistry handle();

  protected abstract ClusterTime time();

  protected void cleanUp() {}

  @BeforeEach
  void open() {
    newStore(TTL);
    n1 = handle();
    n2 = handle();
    n3 = handle();
    time = time();
  }

  @AfterEach
  void close() {
    n1.close();
    n2.close();
    n3.close();
    cleanUp();
  }

  static NodeStatus status(int id, int connections, boolean ready) {
    return new NodeStatus(id, "ws://node" + id + ":8080/v1/ws", connections, ready);
  }

  @Test
  void aNodeIdHeldByALiveNodeIsRefused() {
    assertThat(get(n1.claimNodeId(1))).isTrue();
    assertThat(get(n2.claimNodeId(1))).isFalse();
    assertThat(get(n1.claimNodeId(1))).as("claiming again is idempotent").isTrue();
    assertThat(get(n2.claimNodeId(2))).isTrue();
    assertThat(get(n2.heartbeat(status(1, 0, true)))).as("not n2's id").isFalse();
    assertThat(get(n1.liveNodes())).isEmpty();
  }

  @Test
  void registerRequiresTheClaim() {
    assertThat(get(n1.claimNodeId(1))).isTrue();
    assertThat(n2.register(status(1, 0, true)).toCompletionStage().toCompletableFuture())
        .failsWithin(Duration.ofSeconds(5))
        .withThrowableThat()
        .withCauseInstanceOf(IllegalStateException.class);
    get(n1.register(status(1, 0, true)));
    assertThat(get(n1.liveNodes())).containsExactly(status(1, 0, true));
  }

  @Test
  void liveNodesWithLoadAndTheLeastLoadedReadyNodeIsRecommended() {
    claimAndRegister(n1, status(1, 10, true));
    claimAndRegister(n2, status(2, 5, true));
    claimAndRegister(n3, status(3, 1, false)); // draining or starting
    assertThat(get(n1.liveNodes()))
        .containsExactly(status(1, 10, true), status(2, 5, true), status(3, 1, false));
    assertThat(get(n3.recommended())).contains(status(2, 5, true));

    assertThat(get(n2.heartbeat(status(2, 50, true)))).isTrue();
    assertThat(get(n1.recommended())).contains(status(1, 10, true));

    JsonObject json = DiscoveryView.toJson(get(n1.liveNodes()));
    assertThat(json.getJsonArray("nodes").getJsonObject(0).getMap())
        .containsEntry("node_id", "1")
        .containsEntry("ws_url", "ws://node1:8080/v1/ws")
        .containsEntry("connections", 10);
    assertThat(json.getString("recommended")).isEqualTo("ws://node1:8080/v1/ws");
  }

  @Test
  void noReadyNodeMeansNoRecommendation() {
    claimAndRegister(n1, status(1, 0, false));
    assertThat(get(n1.recommended())).isEqualTo(Optional.empty());
    assertThat(DiscoveryView.toJson(get(n1.liveNodes())).getValue("recommended")).isNull();
  }

  @Test
  void aDeadNodeExpiresAndItsIdCanBeClaimedAgain() {
    claimAndRegister(n1, status(1, 3, true));
    claimAndRegister(n2, status(2, 9, true));
    // n1 dies; n2 keeps heartbeating
    for (int i = 0; i < 3; i++) {
      time.elapse(TTL.dividedBy(2));
      assertThat(get(n2.heartbeat(status(2, 9, true)))).isTrue();
    }
    time.eventually(
        () -> {
          assertThat(get(n2.liveNodes())).containsExactly(status(2, 9, true));
          assertThat(get(n2.recommended())).contains(status(2, 9, true));
        });
    assertThat(get(n3.claimNodeId(1))).as("dead node's id is free").isTrue();
    assertThat(get(n1.heartbeat(status(1, 3, true)))).as("the old holder lost it").isFalse();
  }

  @Test
  void deregisterLeavesAtOnceAndFreesTheId() {
    claimAndRegister(n1, status(1, 3, true));
    claimAndRegister(n2, status(2, 4, true));
    get(n2.deregister(1)); // not n2's: no effect
    assertThat(get(n3.liveNodes())).hasSize(2);
    get(n1.deregister(1));
    assertThat(get(n3.liveNodes())).containsExactly(status(2, 4, true));
    assertThat(get(n3.claimNodeId(1))).isTrue();
  }

  private static void claimAndRegister(NodeRegistry r, NodeStatus s) {
    assertThat(get(r.claimNodeId(s.nodeId()))).isTrue();
    get(r.register(s));
  }
}
