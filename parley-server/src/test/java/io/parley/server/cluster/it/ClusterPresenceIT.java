package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.cluster.it.ClusterHarness.User;
import io.parley.server.it.JdkWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Presence across real node processes (PostgreSQL, Redis, JDK WebSocket clients): a watcher on one
 * node sees a user connect on another, stay online while any device is connected anywhere, and go
 * offline with its last device; a privacy change made through another node applies to the watcher
 * at once; SIGKILL of the node holding a user's only connection turns it offline for watchers
 * elsewhere within the lease TTL (the harness runs {@code cluster.lease_ttl_ms=1500}, heartbeat 300
 * ms), last seen being the node's last confirmation.
 */
class ClusterPresenceIT {
  static ClusterHarness h;
  static final List<ClusterHarness.Node> nodes = new ArrayList<>();

  @BeforeAll
  static void cluster() throws Exception {
    h = new ClusterHarness();
    nodes.addAll(h.startNodes(3));
  }

  @AfterAll
  static void stop() {
    h.close();
  }

  @Test
  void onlineOnAnyNodeOfflineWithTheLastDeviceAnywhere() throws Exception {
    User alice = ClusterHarness.signup(base(0), "p_alice");
    User bob = ClusterHarness.signup(base(1), "p_bob");
    User carol = ClusterHarness.signup(base(2), "p_carol");
    group(alice, bob, carol);
    JdkWebSocket a = connected(0, alice);
    subscribe(a, bob, carol);
    assertPresence(await(a, bob, 1), bob, false, null, null); // never seen
    assertPresence(await(a, carol, 1), carol, false, null, null);

    long t0 = System.currentTimeMillis();
    JdkWebSocket b1 = connected(1, bob); // node 2
    assertPresence(await(a, bob, 2), bob, true, t0, System.currentTimeMillis());

    // a second device on node 3: still online, no frame
    User bob2 = ClusterHarness.login(base(2), "p_bob");
    JdkWebSocket b2 = connected(2, bob2);
    b1.bye(); // the device on node 2 goes, the one on node 3 stays
    b1.closed.get(10, java.util.concurrent.TimeUnit.SECONDS);
    barrier(a, carol, 2);
    Awaitility.await()
        .during(Duration.ofMillis(1200))
        .atMost(Duration.ofSeconds(5))
        .until(() -> presenceOf(a, bob).size() == 2);

    long beforeLast = System.currentTimeMillis();
    b2.bye();
    JsonNode offline = await(a, bob, 3);
    assertPresence(offline, bob, false, beforeLast, System.currentTimeMillis());
    assertThat(presenceOf(a, bob)).hasSize(3);
    // REST through the third node agrees
    JsonNode rest = restPresence(base(2), alice, bob);
    assertThat(rest.path("online").asBoolean()).isFalse();
    assertThat(rest.path("last_seen").asLong()).isEqualTo(offline.path("last_seen").asLong());
    a.bye();
  }

  @Test
  void privacyChangedThroughAnotherNodeAppliesToTheWatcher() throws Exception {
    User alice = ClusterHarness.signup(base(0), "q_alice");
    User bob = ClusterHarness.signup(base(1), "q_bob");
    group(alice, bob);
    JdkWebSocket b = connected(1, bob);
    JdkWebSocket a = connected(0, alice);
    subscribe(a, bob);
    long t0 = System.currentTimeMillis();
    JsonNode first = await(a, bob, 1);
    assertPresence(first, bob, true, t0 - 60_000, System.currentTimeMillis());

    // bob hides everything through node 2: alice, on node 1 (which cached bob's privacy), sees
    // him hidden, live and on REST
    privacy(base(1), bob, "{\"online\":\"nobody\",\"last_seen\":\"nobody\"}");
    assertPresence(await(a, bob, 2), bob, false, null, null);
    JsonNode hidden = restPresence(base(0), alice, bob);
    assertThat(hidden.path("online").asBoolean()).isFalse();
    assertThat(hidden.hasNonNull("last_seen")).isFalse();

    // back to contacts through node 3: online again for alice on node 1
    long t1 = System.currentTimeMillis();
    privacy(base(2), bob, "{\"online\":\"contacts\",\"last_seen\":\"contacts\"}");
    assertPresence(await(a, bob, 3), bob, true, t1, System.currentTimeMillis());
    assertThat(restPresence(base(0), alice, bob).path("online").asBoolean()).isTrue();
    assertThat(presenceOf(a, bob)).hasSize(3);
    a.bye();
    b.bye();
  }

  @Test
  void firstMessageThroughAnotherNodeMakesAContactForTheWatcher() throws Exception {
    User alice = ClusterHarness.signup(base(0), "f_alice");
    User bob = ClusterHarness.signup(base(1), "f_bob");
    // an empty direct conversation: they share it, but are no contacts yet (default: contacts)
    long conv = ClusterHarness.direct(base(2), alice, bob);
    long t0 = System.currentTimeMillis();
    JdkWebSocket b = connected(1, bob);
    JdkWebSocket a = connected(0, alice);
    subscribe(a, bob);
    assertPresence(await(a, bob, 1), bob, false, null, null);
    // let node 1's heartbeat sweeps (300 ms) settle on bob: only the message may change the view
    Awaitility.await().pollDelay(Duration.ofSeconds(1)).until(() -> true);

    // bob's first message, stored through node 2, makes them contacts: alice on node 1 sees him
    b.send("first", conv, "hi alice");
    assertPresence(await(a, bob, 2), bob, true, t0, System.currentTimeMillis());
    assertThat(presenceOf(a, bob)).hasSize(2);
    a.bye();
    b.bye();
  }

  @Test
  void killedNodeTurnsItsUsersOfflineWithinTheLease() throws Exception {
    ClusterHarness.Node doomed = h.start(4);
    User alice = ClusterHarness.signup(base(0), "k_alice");
    User bob = ClusterHarness.signup(base(1), "k_bob");
    group(alice, bob);
    JdkWebSocket a = connected(0, alice);
    subscribe(a, bob);
    assertPresence(await(a, bob, 1), bob, false, null, null);
    long t0 = System.currentTimeMillis();
    JdkWebSocket b = ClusterHarness.connected(doomed.base(), bob);
    assertPresence(await(a, bob, 2), bob, true, t0, System.currentTimeMillis());

    long killedAt = System.currentTimeMillis();
    doomed.process().destroyForcibly(); // SIGKILL: no disconnect is ever handled
    JsonNode offline = await(a, bob, 3);
    long noticedMs = System.currentTimeMillis() - killedAt;
    // last seen: the dead node's last confirmation, between the connect and the kill
    assertPresence(offline, bob, false, t0, killedAt);
    assertThat(presenceOf(a, bob)).hasSize(3);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(b::isClosed); // its node is gone
    System.err.printf("presence: offline noticed %d ms after SIGKILL (lease 1500 ms)%n", noticedMs);
    a.bye();
  }

  // ---- helpers

  static String base(int i) {
    return nodes.get(i % 3).base();
  }

  static JdkWebSocket connected(int node, User u) throws Exception {
    return ClusterHarness.connected(base(node), u);
  }

  /** A group of the users (a relationship: each is the others' contact). */
  static void group(User owner, User... others) {
    StringBuilder ids = new StringBuilder();
    for (User u : others) {
      ids.append(ids.isEmpty() ? "" : ",").append('"').append(u.id()).append('"');
    }
    ClusterHarness.call(
        base(2),
        "POST",
        "/v1/groups",
        owner.token(),
        "{\"name\":\"g\",\"member_ids\":[" + ids + "]}");
  }

  static void subscribe(JdkWebSocket c, User... targets) {
    StringBuilder ids = new StringBuilder();
    for (User u : targets) {
      ids.append(ids.isEmpty() ? "" : ",").append('"').append(u.id()).append('"');
    }
    c.send("{\"type\":\"presence_subscribe\",\"user_ids\":[" + ids + "]}");
  }

  /**
   * Makes sure presence traffic before it has been delivered: {@code marker} connects and leaves,
   * and {@code c} sees both ({@code shown} frames of it so far).
   */
  static void barrier(JdkWebSocket c, User marker, int shown) throws Exception {
    JdkWebSocket m = connected(2, marker);
    await(c, marker, shown);
    m.bye();
    await(c, marker, shown + 1);
  }

  static List<JsonNode> presenceOf(JdkWebSocket c, User u) {
    return c.ofType("presence").stream()
        .filter(f -> f.path("user_id").asText().equals(Long.toString(u.id())))
        .toList();
  }

  /** Waits for the {@code n}th presence frame of {@code u}; returns it. */
  static JsonNode await(JdkWebSocket c, User u, int n) {
    Awaitility.await().atMost(Duration.ofSeconds(15)).until(() -> presenceOf(c, u).size() >= n);
    return presenceOf(c, u).get(n - 1);
  }

  /**
   * The frame is exactly {type, user_id, online, last_seen} with last_seen in [lo, hi], or without
   * last_seen when {@code lo} is null (hidden or never seen).
   */
  static void assertPresence(JsonNode f, User u, boolean online, Long lo, Long hi) {
    List<String> fields = new ArrayList<>();
    for (Iterator<String> it = f.fieldNames(); it.hasNext(); ) {
      fields.add(it.next());
    }
    if (lo == null) {
      assertThat(fields).as(f.toString()).containsExactly("type", "user_id", "online");
    } else {
      assertThat(fields).as(f.toString()).containsExactly("type", "user_id", "online", "last_seen");
    }
    assertThat(f.path("type").asText()).isEqualTo("presence");
    assertThat(f.path("user_id").asText()).isEqualTo(Long.toString(u.id()));
    assertThat(f.path("online").asBoolean()).as(f.toString()).isEqualTo(online);
    if (lo != null) {
      assertThat(f.get("last_seen").isIntegralNumber()).as(f.toString()).isTrue();
      assertThat(f.get("last_seen").asLong()).as(f.toString()).isBetween(lo, hi);
    }
  }

  static JsonNode restPresence(String base, User viewer, User target) {
    return ClusterHarness.call(
            base, "GET", "/v1/presence?user_ids=" + target.id(), viewer.token(), null)
        .path("presence")
        .get(0);
  }

  static void privacy(String base, User u, String privacy) {
    ClusterHarness.call(base, "PATCH", "/v1/users/me", u.token(), "{\"privacy\":" + privacy + "}");
  }
}
