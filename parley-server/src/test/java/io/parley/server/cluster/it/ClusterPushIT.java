package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.server.cluster.it.ClusterHarness.Node;
import io.parley.server.cluster.it.ClusterHarness.User;
import io.parley.server.it.JdkWebSocket;
import io.parley.server.push.FakeProvider;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Push in a cluster: a device connected on another node counts as online, so it gets no
 * notification, while an offline device of the same setup gets one. Only node 1 runs the push
 * dispatcher (push is off on node 2), so its decision cannot come from its own connections.
 */
class ClusterPushIT {
  private ClusterHarness h;
  private FakeProvider webhook;

  @BeforeEach
  void start() throws Exception {
    webhook = new FakeProvider();
    h = new ClusterHarness();
    h.extraEnv.put("PARLEY_PUSH_WEBHOOK_URL", webhook.url() + "/hook");
    h.extraEnv.put("PARLEY_PUSH_WEBHOOK_SECRET", "whsec");
    h.extraEnv.put("PARLEY_PUSH_COLLAPSE_DELAY_MS", "300");
    h.extraEnv.put("PARLEY_PUSH_POLL_MS", "50");
  }

  @AfterEach
  void stop() {
    h.close();
    webhook.close();
  }

  @Test
  void aDeviceConnectedOnAnotherNodeGetsNoPushAnOfflineOneDoes() throws Exception {
    Node n1 = h.start(1);
    h.extraEnv.put("PARLEY_PUSH_ENABLED", "false");
    Node n2 = h.start(2);
    User alice = ClusterHarness.signup(n1.base(), "p_alice");
    User bob = ClusterHarness.signup(n2.base(), "p_bob");
    User carol = ClusterHarness.signup(n2.base(), "p_carol");
    for (User u : List.of(bob, carol)) {
      ClusterHarness.call(
          n2.base(),
          "PUT",
          "/v1/devices/me/push",
          u.token(),
          "{\"provider\":\"webhook\",\"token\":\"hook-" + u.id() + "\"}");
    }
    long toBob = ClusterHarness.direct(n1.base(), alice, bob);
    long toCarol = ClusterHarness.direct(n1.base(), alice, carol);
    // bob is connected on node 2 and never reports delivered; carol is offline
    JdkWebSocket b = ClusterHarness.connected(n2.base(), bob);
    JdkWebSocket a = ClusterHarness.connected(n1.base(), alice);
    a.send("to-bob", toBob, "are you there, bob?");
    a.send("to-carol", toCarol, "are you there, carol?");
    await().atMost(Duration.ofSeconds(10)).until(() -> b.ofType("message").size() == 1);

    // carol's push proves the dispatcher on node 1 runs; bob's job is dropped as online
    await().atMost(Duration.ofSeconds(15)).until(() -> pushesTo("hook-" + carol.id()) == 1);
    await().atMost(Duration.ofSeconds(15)).until(() -> dropped(n1.base(), "device_online") == 1);
    assertThat(pushesTo("hook-" + bob.id())).isZero();
    assertThat(pushesTo("hook-" + carol.id())).isEqualTo(1);
    a.abort();
    b.abort();
  }

  private long pushesTo(String token) {
    return webhook.requests.stream().filter(r -> r.body().contains("\"" + token + "\"")).count();
  }

  private static long dropped(String base, String reason) throws Exception {
    return ClusterHarness.metric(base, "parley_push_dropped_total{reason=\"" + reason + "\"}")
        .orElse(0);
  }
}
