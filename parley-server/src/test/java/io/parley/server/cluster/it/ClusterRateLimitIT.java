package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.cluster.it.ClusterHarness.User;
import io.parley.server.it.JdkClient;
import io.parley.server.it.JdkWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Rate limits are cluster-wide (F14 across nodes, ADR 0005): two node processes share each bucket
 * in Redis, so a user sending through both nodes gets the burst once, not once per node, and the
 * per-address sign-up and login limits hold whichever node a request reaches. The buckets hardly
 * refill during the test (one token per hour), so every count is exact.
 */
class ClusterRateLimitIT {
  private static final int MESSAGE_BURST = 10;
  private static final int SIGNUP_BURST = 4;
  private static final int LOGIN_BURST = 8;
  private static final String PASSWORD = "correct horse battery";

  static ClusterHarness h;
  static String n1;
  static String n2;

  @BeforeAll
  static void cluster() throws Exception {
    h = new ClusterHarness();
    h.extraEnv.putAll(
        Map.ofEntries(
            Map.entry("PARLEY_LIMITS_ENABLED", "true"),
            Map.entry("PARLEY_LIMITS_USER_MESSAGES_PERMITS", "1"),
            Map.entry("PARLEY_LIMITS_USER_MESSAGES_PER_SECONDS", "3600"),
            Map.entry("PARLEY_LIMITS_USER_MESSAGES_BURST", Integer.toString(MESSAGE_BURST)),
            Map.entry("PARLEY_LIMITS_IP_SIGNUPS_PERMITS", "1"),
            Map.entry("PARLEY_LIMITS_IP_SIGNUPS_PER_SECONDS", "3600"),
            Map.entry("PARLEY_LIMITS_IP_SIGNUPS_BURST", Integer.toString(SIGNUP_BURST)),
            Map.entry("PARLEY_LIMITS_IP_LOGINS_PERMITS", "1"),
            Map.entry("PARLEY_LIMITS_IP_LOGINS_PER_SECONDS", "3600"),
            Map.entry("PARLEY_LIMITS_IP_LOGINS_BURST", Integer.toString(LOGIN_BURST)),
            Map.entry("PARLEY_LIMITS_WS_RATE_LIMITED_TOLERANCE", "1000")));
    n1 = h.start(1).base();
    n2 = h.start(2).base();
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  private static int post(String base, String path, String name) {
    return JdkClient.call(
            base,
            "POST",
            path,
            null,
            "{\"username\":\"" + name + "\",\"password\":\"" + PASSWORD + "\"}",
            Duration.ofSeconds(20))
        .status();
  }

  /**
   * One test, as every request of this class comes from 127.0.0.1 and so shares the per-address
   * buckets: its sign-ups and logins are counted in order.
   */
  @Test
  void limitsAreSharedByTheNodes() throws Exception {
    // sign-ups 1 and 2 (node 1), logins 1 and 2 (node 1)
    User alice = ClusterHarness.signup(n1, "rl_alice");
    User bob = ClusterHarness.signup(n1, "rl_bob");
    long group =
        ClusterHarness.call(
                n1,
                "POST",
                "/v1/groups",
                alice.token(),
                "{\"name\":\"rl\",\"member_ids\":[\"" + bob.id() + "\"]}")
            .get("conversation_id")
            .asLong();
    // login 3 (node 2): alice's second device
    User alice2 = ClusterHarness.login(n2, "rl_alice");

    messagesOfOneUserShareOneBucketAcrossNodes(alice, alice2, group);

    // sign-up 3 and login 4 (node 2); sign-up 4 passes; the 5th is refused though node 2 has
    // seen only 3
    User carol = ClusterHarness.signup(n2, "rl_carol");
    assertThat(post(n2, "/v1/auth/signup", "rl_dave")).isEqualTo(201);
    assertThat(post(n2, "/v1/auth/signup", "rl_erin"))
        .as("5th sign-up from 127.0.0.1")
        .isEqualTo(429);
    assertThat(post(n1, "/v1/auth/signup", "rl_frank")).isEqualTo(429);

    // logins 5..8 alternate between the nodes; the 9th and 10th are refused on both
    List<Integer> statuses = new ArrayList<>();
    for (int i = 4; i < LOGIN_BURST + 2; i++) {
      statuses.add(post(i % 2 == 0 ? n1 : n2, "/v1/auth/login", "rl_bob"));
    }
    System.out.printf("cluster rate limits: logins across two nodes -> %s%n", statuses);
    assertThat(statuses.subList(0, LOGIN_BURST - 4)).containsOnly(200);
    assertThat(statuses.subList(LOGIN_BURST - 4, statuses.size())).containsOnly(429);

    sendsWaitingForTheirDecisionKeepTheirOrder(carol, bob);
  }

  /**
   * A burst of sends written back to back: each waits for its decision from Redis in the
   * connection's serial order, so the messages are stored in the order they were sent.
   */
  private static void sendsWaitingForTheirDecisionKeepTheirOrder(User carol, User bob)
      throws Exception {
    long conv = ClusterHarness.direct(n2, carol, bob);
    JdkWebSocket s = JdkWebSocket.connect(n2, carol.token(), Duration.ofSeconds(15));
    try {
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> s.count("synced") > 0);
      for (int i = 0; i < MESSAGE_BURST; i++) {
        s.send("p-" + i, conv, "in order " + i);
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(20))
          .until(() -> s.count("ack") == MESSAGE_BURST);
      List<Long> seqs = new ArrayList<>();
      for (int i = 0; i < MESSAGE_BURST; i++) {
        String id = "p-" + i;
        seqs.add(
            s.ofType("ack").stream()
                .filter(a -> a.path("client_msg_id").asText().equals(id))
                .findFirst()
                .orElseThrow()
                .path("seq")
                .asLong());
      }
      assertThat(seqs).as("seq by send order").isSorted().doesNotHaveDuplicates();
      assertThat(s.count("error")).isZero();
    } finally {
      s.abort();
    }
  }

  /** 2 x burst sends, alternating between a device on node 1 and one on node 2. */
  private static void messagesOfOneUserShareOneBucketAcrossNodes(User a1, User a2, long group)
      throws Exception {
    JdkWebSocket s1 = JdkWebSocket.connect(n1, a1.token(), Duration.ofSeconds(15));
    JdkWebSocket s2 = JdkWebSocket.connect(n2, a2.token(), Duration.ofSeconds(15));
    try {
      for (JdkWebSocket s : List.of(s1, s2)) {
        Awaitility.await()
            .atMost(Duration.ofSeconds(10))
            .until(() -> !s.ofType("synced").isEmpty());
      }
      for (int i = 0; i < 2 * MESSAGE_BURST; i++) {
        JdkWebSocket s = i % 2 == 0 ? s1 : s2;
        String id = "rl-" + i;
        s.send(id, group, "hello " + i);
        // one at a time, so the count is exact whatever the order of replies
        Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> answered(s, id));
      }
      long acked = s1.count("ack") + s2.count("ack");
      List<JsonNode> limited = new ArrayList<>(s1.ofType("error"));
      limited.addAll(s2.ofType("error"));
      System.out.printf(
          "cluster rate limits: %d sends over two nodes -> %d acked (node 1: %d, node 2: %d),"
              + " %d rate_limited (burst %d)%n",
          2 * MESSAGE_BURST,
          acked,
          s1.count("ack"),
          s2.count("ack"),
          limited.size(),
          MESSAGE_BURST);
      assertThat(acked).as("the cluster-wide burst, not twice it").isEqualTo(MESSAGE_BURST);
      assertThat(s1.count("ack")).isPositive();
      assertThat(s2.count("ack")).isPositive();
      assertThat(limited)
          .hasSize(MESSAGE_BURST)
          .allSatisfy(
              e -> {
                assertThat(e.get("code").asText()).isEqualTo("rate_limited");
                assertThat(e.get("retry_after_ms").asLong()).isPositive();
              });
    } finally {
      s1.abort();
      s2.abort();
    }
  }

  private static boolean answered(JdkWebSocket s, String clientMsgId) {
    return s.frames.stream()
        .anyMatch(
            f ->
                (f.path("type").asText().equals("ack") || f.path("type").asText().equals("error"))
                    && f.path("client_msg_id").asText().equals(clientMsgId));
  }
}
