package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.cluster.it.ClusterHarness.User;
import io.parley.server.it.JdkWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Three node processes on one PostgreSQL and one Redis: users on different nodes chat 1:1 and in a
 * 200-member group (60 members connected, 20 per node), typing crosses nodes, and a device revoked
 * through one node is cut off on another within a second.
 */
class ClusterChatIT {
  static ClusterHarness h;
  static List<ClusterHarness.Node> nodes = new ArrayList<>();

  @BeforeAll
  static void cluster() throws Exception {
    h = new ClusterHarness();
    nodes.addAll(h.startNodes(3));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  static String base(int i) {
    return nodes.get(i % 3).base();
  }

  static JdkWebSocket connected(int node, User u) throws Exception {
    return ClusterHarness.connected(base(node), u);
  }

  @Test
  void directChatAndTypingAcrossNodes() throws Exception {
    User alice = ClusterHarness.signup(base(0), "c_alice");
    User bob = ClusterHarness.signup(base(1), "c_bob");
    long conv = ClusterHarness.direct(base(2), alice, bob);
    JdkWebSocket a = connected(0, alice);
    JdkWebSocket b = connected(1, bob);
    int n = 100;
    for (int i = 0; i < n; i++) {
      (i % 2 == 0 ? a : b).send("m" + i, conv, "hello " + i);
    }
    Awaitility.await()
        .atMost(Duration.ofSeconds(20))
        .until(() -> a.messages(conv).size() == n / 2 && b.messages(conv).size() == n / 2);
    for (JdkWebSocket c : List.of(a, b)) {
      List<Long> seqs = c.messages(conv).stream().map(m -> m.get("seq").asLong()).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates();
    }
    // typing from node 2's user reaches node 1's user
    b.send("{\"type\":\"typing\",\"conversation_id\":\"" + conv + "\",\"state\":\"start\"}");
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                a.ofType("typing").stream()
                    .anyMatch(
                        f ->
                            f.get("user_id").asLong() == bob.id()
                                && f.get("state").asText().equals("start")));
  }

  @Test
  void groupOf200MembersAcrossThreeNodes() throws Exception {
    int members = 200;
    int connectedCount = 60;
    List<User> users = new ArrayList<>();
    for (int i = 0; i < members; i++) {
      users.add(ClusterHarness.signup(base(i), "grp_" + i));
    }
    String ids =
        users.subList(1, members).stream()
            .map(u -> "\"" + u.id() + "\"")
            .collect(Collectors.joining(","));
    long group =
        ClusterHarness.call(
                base(0),
                "POST",
                "/v1/groups",
                users.get(0).token(),
                "{\"name\":\"big\",\"member_ids\":[" + ids + "]}")
            .get("conversation_id")
            .asLong();
    List<JdkWebSocket> clients = new ArrayList<>();
    for (int i = 0; i < connectedCount; i++) {
      clients.add(connected(i, users.get(i)));
    }
    // 6 senders, two per node, 20 messages each, concurrently
    int perSender = 20;
    List<Thread> threads = new ArrayList<>();
    for (int s = 0; s < 6; s++) {
      JdkWebSocket c = clients.get(s);
      int sender = s;
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    for (int i = 0; i < perSender; i++) {
                      c.send("s" + sender + "-" + i, group, "msg " + sender + " " + i);
                    }
                  }));
    }
    for (Thread t : threads) {
      t.join();
    }
    int total = 6 * perSender;
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .until(
            () -> {
              for (int i = 0; i < connectedCount; i++) {
                int expected = i < 6 ? total - perSender : total;
                if (texts(clients.get(i), group).size() < expected) {
                  return false;
                }
              }
              return true;
            });
    Set<Long> allSeqs = new HashSet<>();
    for (int i = 0; i < connectedCount; i++) {
      JdkWebSocket c = clients.get(i);
      List<JsonNode> got = texts(c, group);
      assertThat(c.messages(group).stream().map(m -> m.get("seq").asLong()).toList())
          .as("device %d, every frame", i)
          .isSorted()
          .doesNotHaveDuplicates();
      List<Long> seqs = got.stream().map(m -> m.get("seq").asLong()).toList();
      assertThat(seqs).as("device %d", i).isSorted().doesNotHaveDuplicates();
      assertThat(got).as("device %d", i).hasSize(i < 6 ? total - perSender : total);
      allSeqs.addAll(seqs);
    }
    assertThat(allSeqs).hasSize(total);
    for (JdkWebSocket c : clients) {
      c.abort();
    }
  }

  /** The text messages (not the group's system messages) a client got. */
  static List<JsonNode> texts(JdkWebSocket c, long conv) {
    return c.messages(conv).stream()
        .filter(m -> m.path("body").path("kind").asText().equals("text"))
        .toList();
  }

  @Test
  void deviceRevokedOnOneNodeIsCutOffOnAnotherWithinOneSecond() throws Exception {
    User carol = ClusterHarness.signup(base(0), "c_carol");
    User carolPhone = ClusterHarness.login(base(1), "c_carol");
    JdkWebSocket phone = connected(2, carolPhone);
    long t0 = System.nanoTime();
    ClusterHarness.call(
        base(0), "DELETE", "/v1/devices/" + carolPhone.deviceId(), carol.token(), null);
    Awaitility.await().atMost(Duration.ofSeconds(1)).until(phone::isClosed);
    long ms = (System.nanoTime() - t0) / 1_000_000;
    assertThat(phone.closed.get()).isEqualTo(4401);
    System.out.printf("revocation across nodes: socket closed after %d ms%n", ms);
  }
}
