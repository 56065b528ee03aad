package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.Outbound;
import io.parley.server.testsupport.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/**
 * Two {@link RedisBroker} "nodes" (ids 1 and 2) in one JVM, each with its own Redis clients,
 * session registry and recording sink, on one Redis key prefix.
 */
class RedisBrokerTest extends BrokerContract {
  private RedisFixture fx;
  private Node nodeA;
  private Node nodeB;

  /** One node: its Redis access, session registry and broker. */
  static final class Node implements AutoCloseable {
    final int id;
    final ClusterRedis redis;
    final RedisSessionRegistry sessions;
    final RedisBroker broker;

    Node(RedisFixture fx, int id, RecordingSink sink) {
      this.id = id;
      this.redis = fx.another();
      this.sessions = new RedisSessionRegistry(redis, Duration.ofSeconds(30));
      this.broker = new RedisBroker(redis, sessions, id, sink, RedisBroker.Settings.defaults());
      get(broker.start());
    }

    @Override
    public void close() {
      broker.close();
      sessions.close();
      redis.close();
    }
  }

  @Override
  protected void startNodes() {
    fx = new RedisFixture();
    nodeA = new Node(fx, 1, sinkA);
    nodeB = new Node(fx, 2, sinkB);
  }

  @Override
  protected Broker broker(int node) {
    return node == A ? nodeA.broker : nodeB.broker;
  }

  @Override
  protected void connect(int node, long userId, long deviceId) {
    Node n = node == A ? nodeA : nodeB;
    (node == A ? sinkA : sinkB).connect(userId, deviceId);
    get(n.sessions.register(userId, deviceId, n.id, "conn-" + deviceId));
  }

  @Override
  protected void stopNodes() {
    nodeA.close();
    nodeB.close();
    fx.close();
  }

  @Test
  void countsNoDropsInNormalOperation() {
    connect(B, 1, 12);
    for (int i = 1; i <= 1000; i++) {
      broker(A).publish(List.of(1L), new Outbound("{}", 1, i), 0);
    }
    await().atMost(Duration.ofSeconds(20)).until(() -> sinkB.frames(12).size() == 1000);
    assertThat(nodeA.broker.droppedFrames()).isZero();
    assertThat(nodeA.broker.sentFrames()).isEqualTo(1000);
    assertThat(nodeB.broker.receivedFrames()).isEqualTo(1000);
    assertThat(nodeA.broker.queuedFrames()).isZero();
  }

  /**
   * On a Redis that the test stops and starts again: while it is down, publish returns at once,
   * local delivery goes on, frames for other nodes are dropped and counted; when it returns, both
   * nodes reconnect, are told their caches may be stale, and remote delivery resumes once the
   * devices are registered again (the restarted Redis lost the registry).
   */
  @Test
  void publishNeverBlocksWhileRedisIsDownAndRecoversWhenItReturns() {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        RedisFixture own = new RedisFixture(TestRedis.keysOn(redis.server()))) {
      RecordingSink localSink = new RecordingSink();
      RecordingSink remoteSink = new RecordingSink();
      try (Node a = new Node(own, 1, localSink);
          Node b = new Node(own, 2, remoteSink)) {
        List<ClusterEvent> eventsB = new CopyOnWriteArrayList<>();
        b.broker.onEvent(eventsB::add);
        localSink.connect(1, 11);
        remoteSink.connect(1, 12);
        get(a.sessions.register(1, 11, 1, "c11"));
        get(b.sessions.register(1, 12, 2, "c12"));
        a.broker.publish(List.of(1L), text("before"), 0);
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> remoteSink.got(12).contains(text("before").json()));

        redis.stop();
        int n = 300_000;
        long t0 = System.nanoTime();
        for (int i = 0; i < n; i++) {
          a.broker.publish(List.of(1L), new Outbound("{\"d\":" + i + "}", 9, i + 1), 0);
        }
        long elapsedMs = (System.nanoTime() - t0) / 1_000_000;
        assertThat(elapsedMs)
            .as("%d publishes with Redis down took %d ms", n, elapsedMs)
            .isLessThan(5_000);
        assertThat(localSink.frames(11)).hasSize(n + 1); // local delivery never needs Redis
        await()
            .atMost(Duration.ofSeconds(20))
            .until(() -> a.broker.droppedFrames() >= n - 100_000 - 50_000);
        assertThat(a.broker.queuedFrames()).isLessThanOrEqualTo(100_000 + 50_000);

        redis.start();
        // the node's heartbeat notices the lost lease; the gateway registers its devices again
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(() -> assertThat(get(b.sessions.heartbeat(2))).isFalse());
        get(b.sessions.register(1, 12, 2, "c12"));
        await()
            .atMost(Duration.ofSeconds(20))
            .untilAsserted(
                () -> {
                  a.broker.publish(List.of(1L), text("after"), 0);
                  assertThat(remoteSink.got(12)).contains(text("after").json());
                });
        await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> eventsB.contains(new ClusterEvent(ClusterEvent.Kind.CACHES_STALE, 0, 0)));
      }
    }
  }
}
