package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.it.JdkWebSocket;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.stream.IntStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Fan-out runs on every connection's own event loop ({@link FanOut}): a group whose members'
 * sockets are spread over four event loops, four members sending at once, and every receiving
 * socket — JDK WebSocket clients — gets each sender's messages exactly once and in send order, all
 * messages in one seq order, and each sender its acks in send order.
 */
class FanOutOrderIT {
  private static final int LOOPS = 4;
  private static final int MEMBERS = 40;
  private static final int SENDERS = 4;
  private static final int PER_SENDER = 100;

  private static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("server.event_loops", Integer.toString(LOOPS)));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void everyReceiverGetsEachSendersMessagesOnceInOrderAcrossEventLoops() throws Exception {
    List<TestUser> users = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      users.add(node.user("f" + i));
    }
    long conv =
        Long.parseLong(
            users
                .get(0)
                .http()
                .createGroup("fan", users.subList(1, MEMBERS).stream().map(TestUser::id).toList())
                .conversationId());

    // one socket per member; senders also have a second device, which gets their messages
    List<JdkWebSocket> sockets = new ArrayList<>();
    List<Integer> senderOf = new ArrayList<>(); // sender index of the socket's user, else -1
    List<JdkWebSocket> senders = new ArrayList<>();
    for (int i = 0; i < MEMBERS; i++) {
      sockets.add(open(users.get(i)));
      senderOf.add(i < SENDERS ? i : -1);
      if (i < SENDERS) {
        senders.add(sockets.get(i));
      }
    }
    for (int s = 0; s < SENDERS; s++) {
      sockets.add(open(node.device(users.get(s), "second")));
      senderOf.add(s);
    }
    for (JdkWebSocket ws : sockets) {
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> ws.ofType("synced").size() == 1);
    }
    // the sockets are spread over every event loop of the node
    Set<Executor> loops = Collections.newSetFromMap(new IdentityHashMap<>());
    node.node().wiring().connections().forEach(c -> loops.add(c.transport().writer()));
    assertThat(loops).hasSize(LOOPS);

    List<CompletableFuture<Void>> sending = new ArrayList<>();
    for (int s = 0; s < SENDERS; s++) {
      JdkWebSocket ws = senders.get(s);
      int sid = s;
      sending.add(
          CompletableFuture.runAsync(
              () -> {
                for (int i = 0; i < PER_SENDER; i++) {
                  ws.send("c" + sid + "-" + i, conv, "s" + sid + "-" + i);
                }
              }));
    }
    CompletableFuture.allOf(sending.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);

    int all = SENDERS * PER_SENDER;
    for (int k = 0; k < sockets.size(); k++) {
      JdkWebSocket ws = sockets.get(k);
      boolean sendingDevice = k < SENDERS;
      int expected = sendingDevice ? all - PER_SENDER : all;
      Awaitility.await()
          .atMost(Duration.ofSeconds(60))
          .until(() -> sent(ws, conv).size() >= expected);
      List<JsonNode> got = sent(ws, conv);
      assertThat(got).as("socket %d", k).hasSize(expected);
      List<Long> seqs = got.stream().map(m -> m.path("seq").asLong()).toList();
      assertThat(seqs).as("socket %d: one seq order", k).isSorted().doesNotHaveDuplicates();
      Map<Integer, List<Integer>> bySender = new HashMap<>();
      for (JsonNode m : got) {
        String[] t = m.path("body").path("text").asText().substring(1).split("-");
        bySender
            .computeIfAbsent(Integer.parseInt(t[0]), x -> new ArrayList<>())
            .add(Integer.parseInt(t[1]));
      }
      for (int s = 0; s < SENDERS; s++) {
        if (sendingDevice && s == senderOf.get(k)) {
          assertThat(bySender)
              .as("socket %d gets no echo of its own sends", k)
              .doesNotContainKey(s);
        } else {
          assertThat(bySender.get(s))
              .as("socket %d: sender %d once, in order", k, s)
              .containsExactlyElementsOf(IntStream.range(0, PER_SENDER).boxed().toList());
        }
      }
    }
    // acks: every send acked once, in send order, with rising seqs
    for (int s = 0; s < SENDERS; s++) {
      JdkWebSocket ws = senders.get(s);
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .until(() -> ws.ofType("ack").size() >= PER_SENDER);
      List<JsonNode> acks = ws.ofType("ack");
      int sid = s;
      assertThat(acks.stream().map(a -> a.path("client_msg_id").asText()).toList())
          .containsExactlyElementsOf(
              IntStream.range(0, PER_SENDER).mapToObj(i -> "c" + sid + "-" + i).toList());
      assertThat(acks.stream().map(a -> a.path("seq").asLong()).toList())
          .isSorted()
          .doesNotHaveDuplicates();
    }
    assertThat(node.node().wiring().gateway().gapFiller().gapFills())
        .as("gaps filled from the store")
        .isZero();
    for (JdkWebSocket ws : sockets) {
      assertThat(ws.ofType("error")).isEmpty();
      ws.abort();
    }
  }

  private static JdkWebSocket open(TestUser u) throws Exception {
    return JdkWebSocket.connect(node.baseUrl(), u.session().accessToken(), Duration.ofSeconds(10));
  }

  /** The test's messages (not the group's system messages) a socket got, in arrival order. */
  private static List<JsonNode> sent(JdkWebSocket ws, long conv) {
    return ws.messages(conv).stream()
        .filter(m -> m.path("body").path("text").asText().startsWith("s"))
        .toList();
  }
}
