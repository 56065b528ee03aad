package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.cluster.it.ClusterHarness.User;
import io.parley.server.it.JdkWebSocket;
import io.parley.server.testsupport.Resp;
import io.parley.server.testsupport.TestRedis;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Pub/sub loses a cross-node message for real and the receiving node recovers it from the store,
 * never dropping it silently. The loss is made on the Redis side, with no hook in the server: while
 * a message is sent, every pub/sub connection is killed every few milliseconds ({@code CLIENT KILL
 * TYPE pubsub} on an embedded Redis of the test's own), so the receiving node's subscriber is gone
 * when the frame is published. Two cases: a later message reveals the gap (seq gap detection), and
 * the lost message is the last of its conversation (the periodic tail check). Node 2's counters
 * prove that the store, not pub/sub, delivered it.
 */
class ClusterGapRecoveryIT {
  static TestRedis.Embedded redis;
  static ClusterHarness h;
  static String n1;
  static String n2;

  @BeforeAll
  static void cluster() throws Exception {
    redis = TestRedis.startEmbedded();
    h = new ClusterHarness(redis.server().url());
    n1 = h.start(1).base();
    n2 = h.start(2).base();
  }

  @AfterAll
  static void stop() {
    h.close();
    redis.close();
  }

  @Test
  void aLostLastMessageIsRecoveredByTheTailCheck() throws Exception {
    Chat chat = Chat.open("tail");
    chat.sendAndAwait("t-1");
    long tailFills = counter(n2, "parley_live_tail_fills_total");

    long ackedAt = chat.sendWhilePubSubIsDown("t-2");

    // nothing follows t-2: only the tail check can find it
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> chat.bobGot("t-2"));
    long recoveredMs = (chat.bob.messageArrivals.get(chat.id("t-2")) - ackedAt) / 1_000_000;
    System.out.printf(
        "gap recovery: lost last message reached the device on the other node %d ms after its ack"
            + " (tail fills on node 2: %d -> %d)%n",
        recoveredMs, tailFills, counter(n2, "parley_live_tail_fills_total"));
    assertThat(counter(n2, "parley_live_tail_fills_total"))
        .as("recovered from the store by the tail check, not delivered by pub/sub")
        .isGreaterThan(tailFills);
    chat.assertOnceInOrder(List.of("t-1", "t-2"));
    chat.close();
  }

  @Test
  void aLostMessageIsRecoveredWhenTheNextOneRevealsTheGap() throws Exception {
    Chat chat = Chat.open("gap");
    chat.sendAndAwait("g-1");
    long fills = counter(n2, "parley_live_gap_fills_total");

    chat.sendWhilePubSubIsDown("g-2");
    awaitSubscribed();
    chat.sendAndAwait("g-3");

    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> chat.bobGot("g-2"));
    System.out.printf(
        "gap recovery: lost middle message recovered (gap fills on node 2: %d -> %d)%n",
        fills, counter(n2, "parley_live_gap_fills_total"));
    assertThat(counter(n2, "parley_live_gap_fills_total")).isGreaterThan(fills);
    chat.assertOnceInOrder(List.of("g-1", "g-2", "g-3"));
    chat.close();
  }

  /** Both nodes' subscribers are back (each node subscribes to its own channel). */
  private static void awaitSubscribed() {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(
            () -> {
              try (Resp r = redis.server().connect()) {
                return ((List<?>) r.call("PUBSUB", "CHANNELS", h.keys.prefix() + "node:*")).size()
                    == 2;
              }
            });
  }

  /** The value of a counter in a node's {@code /metrics}. */
  private static long counter(String base, String name) throws Exception {
    return ClusterHarness.metric(base, name)
        .orElseThrow(() -> new AssertionError(name + " not in /metrics of " + base));
  }

  /** Alice on node 1 writes to Bob on node 2 in a direct conversation. */
  private record Chat(JdkWebSocket alice, JdkWebSocket bob, long conv) {
    static Chat open(String label) throws Exception {
      User alice = ClusterHarness.signup(n1, label + "_alice");
      User bob = ClusterHarness.signup(n2, label + "_bob");
      long conv = ClusterHarness.direct(n1, alice, bob);
      JdkWebSocket a = JdkWebSocket.connect(n1, alice.token(), Duration.ofSeconds(15));
      JdkWebSocket b = JdkWebSocket.connect(n2, bob.token(), Duration.ofSeconds(15));
      for (JdkWebSocket s : List.of(a, b)) {
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.count("synced") > 0);
      }
      return new Chat(a, b, conv);
    }

    JsonNode ack(String clientMsgId) {
      return alice.ofType("ack").stream()
          .filter(f -> f.path("client_msg_id").asText().equals(clientMsgId))
          .findFirst()
          .orElse(null);
    }

    long id(String clientMsgId) {
      return ack(clientMsgId).get("message_id").asLong();
    }

    boolean bobGot(String clientMsgId) {
      JsonNode a = ack(clientMsgId);
      return a != null && bob.messageArrivals.containsKey(a.get("message_id").asLong());
    }

    void sendAndAwait(String clientMsgId) {
      alice.send(clientMsgId, conv, clientMsgId);
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> bobGot(clientMsgId));
    }

    /**
     * Sends while every pub/sub connection is being killed; returns when the ack came (nanos).
     * Asserts the frame did not arrive during the storm: it was really lost.
     */
    long sendWhilePubSubIsDown(String clientMsgId) throws Exception {
      AtomicBoolean storm = new AtomicBoolean(true);
      AtomicLong kills = new AtomicLong();
      Thread killer =
          Thread.ofVirtual()
              .start(
                  () -> {
                    try (Resp r = redis.server().connect()) {
                      while (storm.get()) {
                        kills.addAndGet((Long) r.call("CLIENT", "KILL", "TYPE", "pubsub"));
                        Pace.pause(5);
                      }
                    }
                  });
      try {
        Pace.pause(300); // the subscribers are down (they wait 250 ms before reconnecting)
        alice.send(clientMsgId, conv, clientMsgId);
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> ack(clientMsgId) != null);
        long ackedAt = System.nanoTime();
        Pace.pause(300); // long enough for a frame that was published to arrive
        assertThat(bobGot(clientMsgId)).as("lost in pub/sub").isFalse();
        return ackedAt;
      } finally {
        storm.set(false);
        killer.join();
        assertThat(kills.get()).as("pub/sub connections killed").isPositive();
      }
    }

    /** Bob got each message exactly once, in seq order. */
    void assertOnceInOrder(List<String> clientMsgIds) {
      List<Long> want = clientMsgIds.stream().map(this::id).toList();
      List<Long> got = bob.messages(conv).stream().map(m -> m.get("message_id").asLong()).toList();
      assertThat(got).containsExactlyElementsOf(want);
      List<Long> seqs = bob.messages(conv).stream().map(m -> m.get("seq").asLong()).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates();
    }

    void close() {
      alice.abort();
      bob.abort();
    }
  }
}
