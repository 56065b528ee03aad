package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * F14 end to end with small limits: sign-ups and logins per IP, the failed-login backoff, messages
 * per user over WebSocket (error frames, then 4429) and REST (429 + Retry-After), message bytes,
 * and connection caps per device and user. Every client is the JDK's; each test uses its own
 * loopback addresses so the per-IP budgets do not mix.
 */
class RateLimitIT {
  static TestNode node;

  @BeforeAll
  static void start() {
    Map<String, String> o = new HashMap<>();
    o.put("limits.enabled", "true");
    o.put("limits.ip_signups.permits", "1");
    o.put("limits.ip_signups.per_seconds", "3600");
    o.put("limits.ip_signups.burst", "3");
    o.put("limits.ip_logins.permits", "1");
    o.put("limits.ip_logins.per_seconds", "60");
    o.put("limits.ip_logins.burst", "4");
    o.put("limits.ip_ws_connects.permits", "1");
    o.put("limits.ip_ws_connects.per_seconds", "60");
    o.put("limits.ip_ws_connects.burst", "3");
    o.put("limits.user_messages.permits", "1");
    o.put("limits.user_messages.per_seconds", "60");
    o.put("limits.user_messages.burst", "5");
    o.put("limits.user_message_bytes.permits", "100");
    o.put("limits.user_message_bytes.per_seconds", "60");
    o.put("limits.user_message_bytes.burst", "4000");
    o.put("limits.failed_logins_free", "2");
    o.put("limits.failed_login_backoff_ms", "1000");
    o.put("limits.failed_login_backoff_max_ms", "2000");
    o.put("limits.max_connections_per_device", "2");
    o.put("limits.max_connections_per_user", "3");
    o.put("limits.ws_rate_limited_tolerance", "3");
    node = TestNode.start(o);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String name(String prefix) {
    return prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A user made from its own address; returns {access_token, user_id, device_id...}. */
  private static JsonNode user(String prefix) {
    try (Loopback net = Loopback.fresh(node.baseUrl())) {
      String n = name(prefix);
      assertThat(net.signup(n).statusCode()).isEqualTo(201);
      HttpResponse<String> r = net.login(n, "correct horse battery");
      assertThat(r.statusCode()).isEqualTo(200);
      return ((com.fasterxml.jackson.databind.node.ObjectNode) Loopback.json(r)).put("username", n);
    }
  }

  private static void assertRateLimited(HttpResponse<String> r, long minSeconds, long maxSeconds) {
    assertThat(r.statusCode()).isEqualTo(429);
    assertThat(Loopback.json(r).path("error").path("code").asText()).isEqualTo("rate_limited");
    long retry = Long.parseLong(r.headers().firstValue("Retry-After").orElseThrow());
    assertThat(retry).isBetween(minSeconds, maxSeconds);
  }

  @Test
  void signUpsPerAddressGet429WithRetryAfter() {
    try (Loopback a = Loopback.fresh(node.baseUrl());
        Loopback b = Loopback.fresh(node.baseUrl())) {
      for (int i = 0; i < 3; i++) {
        assertThat(a.signup(name("s")).statusCode()).isEqualTo(201);
      }
      String refused = name("s");
      // one sign-up per hour once the burst of 3 is used: retry in an hour
      assertRateLimited(a.signup(refused), 3590, 3600);
      // nothing was created: another address can take the name
      assertThat(b.signup(refused).statusCode()).isEqualTo(201);
    }
  }

  @Test
  void loginsPerAddressGet429() {
    JsonNode u = user("l");
    try (Loopback a = Loopback.fresh(node.baseUrl());
        Loopback b = Loopback.fresh(node.baseUrl())) {
      assertThat(a.login(u.get("username").asText(), "correct horse battery").statusCode())
          .isEqualTo(200);
      for (int i = 0; i < 3; i++) {
        assertThat(a.login(name("nobody"), "whatever password").statusCode()).isEqualTo(401);
      }
      assertRateLimited(a.login(u.get("username").asText(), "correct horse battery"), 1, 60);
      assertThat(b.login(u.get("username").asText(), "correct horse battery").statusCode())
          .isEqualTo(200);
    }
  }

  /** A login from a fresh address, so only the per-account backoff can refuse it. */
  private static HttpResponse<String> loginFresh(String user, String password) {
    try (Loopback net = Loopback.fresh(node.baseUrl())) {
      return net.login(user, password);
    }
  }

  @Test
  void failedLoginsBackOffPerAccountAndASuccessResets() {
    String u = user("victim").get("username").asText();
    String good = "correct horse battery";
    assertThat(loginFresh(u, "wrong one").statusCode()).isEqualTo(401);
    assertThat(loginFresh(u, "wrong two").statusCode()).isEqualTo(401);
    // the third failure locks the account for 1 s, from any address, even with the password
    assertThat(loginFresh(u, "wrong three").statusCode()).isEqualTo(401);
    HttpResponse<String> locked = loginFresh(u, good);
    assertRateLimited(locked, 1, 1);
    assertThat(Loopback.json(locked).path("error").path("message").asText())
        .contains("failed logins");
    // other accounts are not affected
    JsonNode other = user("bystander");
    assertThat(loginFresh(other.get("username").asText(), good).statusCode()).isEqualTo(200);
    // after the lock a failure doubles it (2 s)
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> loginFresh(u, "wrong four").statusCode() == 401);
    assertRateLimited(loginFresh(u, good), 1, 2);
    // once it ends, the right password works and resets the account
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> loginFresh(u, good).statusCode() == 200);
    assertThat(loginFresh(u, "wrong again").statusCode()).isEqualTo(401);
    assertThat(loginFresh(u, "wrong again").statusCode()).as("free again").isEqualTo(401);
  }

  private static String direct(Loopback net, JsonNode from, JsonNode to) {
    HttpResponse<String> r =
        net.post(
            "/v1/conversations/direct",
            from.get("access_token").asText(),
            Map.of("user_id", to.get("user_id").asText()));
    assertThat(r.statusCode()).isEqualTo(200);
    return Loopback.json(r).get("conversation_id").asText();
  }

  private static String sendFrame(String conv, String clientMsgId, String text) {
    return "{\"type\":\"send\",\"client_msg_id\":\""
        + clientMsgId
        + "\",\"conversation_id\":\""
        + conv
        + "\",\"body\":{\"kind\":\"text\",\"text\":\""
        + text
        + "\"}}";
  }

  @Test
  void webSocketSendsBeyondTheRateGetErrorFramesThen4429() throws Exception {
    JsonNode alice = user("alice");
    JsonNode bob = user("bob");
    try (Loopback net = Loopback.fresh(node.baseUrl())) {
      String conv = direct(net, alice, bob);
      JdkWs ws = JdkWs.connect(net.http, node.baseUrl(), alice.get("access_token").asText());
      ws.next("synced");
      for (int i = 1; i <= 5; i++) {
        ws.send(sendFrame(conv, "m" + i, "hi " + i));
        assertThat(ws.next("ack").path("client_msg_id").asText()).isEqualTo("m" + i);
      }
      // the burst of 5 is used; one message a minute comes back
      for (int i = 6; i <= 8; i++) {
        ws.send(sendFrame(conv, "m" + i, "too fast"));
        JsonNode err = ws.next("error");
        assertThat(err.path("code").asText()).isEqualTo("rate_limited");
        assertThat(err.path("client_msg_id").asText()).isEqualTo("m" + i);
        assertThat(err.path("retry_after_ms").asLong()).isBetween(1L, 60_000L);
      }
      // still connected (within tolerance), and nothing was stored or acked meanwhile
      List<JsonNode> quiet = ws.untilPong();
      assertThat(quiet).noneMatch(f -> f.path("type").asText().equals("ack"));
      // the 4th refusal in a row is beyond tolerance
      ws.send(sendFrame(conv, "m9", "still too fast"));
      assertThat(ws.awaitClose()).isEqualTo(4429);
      assertThat(ws.closeReason()).contains("rate limited");
      HttpResponse<String> history =
          net.send(
              "GET",
              "/v1/conversations/" + conv + "/messages",
              bob.get("access_token").asText(),
              null);
      assertThat(Loopback.json(history).get("messages")).hasSize(5);
    }
  }

  @Test
  void restSendsShareTheLimitAndGet429WithRetryAfter() throws Exception {
    JsonNode alice = user("ralice");
    JsonNode bob = user("rbob");
    try (Loopback net = Loopback.fresh(node.baseUrl())) {
      String conv = direct(net, alice, bob);
      String token = alice.get("access_token").asText();
      for (int i = 1; i <= 5; i++) {
        HttpResponse<String> r =
            net.post(
                "/v1/conversations/" + conv + "/messages",
                token,
                Map.of("client_msg_id", "r" + i, "body", Map.of("kind", "text", "text", "x")));
        assertThat(r.statusCode()).isEqualTo(201);
      }
      HttpResponse<String> limited =
          net.post(
              "/v1/conversations/" + conv + "/messages",
              token,
              Map.of("client_msg_id", "r6", "body", Map.of("kind", "text", "text", "x")));
      assertRateLimited(limited, 1, 60);
      // the WebSocket shares the user's budget
      JdkWs ws = JdkWs.connect(net.http, node.baseUrl(), token);
      ws.next("synced");
      ws.send(sendFrame(conv, "w1", "over ws"));
      JsonNode err = ws.next("error");
      assertThat(err.path("code").asText()).isEqualTo("rate_limited");
      assertThat(err.path("client_msg_id").asText()).isEqualTo("w1");
      // bob is a different user with his own budget
      HttpResponse<String> fromBob =
          net.post(
              "/v1/conversations/" + conv + "/messages",
              bob.get("access_token").asText(),
              Map.of("client_msg_id", "b1", "body", Map.of("kind", "text", "text", "y")));
      assertThat(fromBob.statusCode()).isEqualTo(201);
      ws.abort();
    }
  }

  @Test
  void messageBytesAreLimitedToo() {
    JsonNode alice = user("balice");
    JsonNode bob = user("bbob");
    try (Loopback net = Loopback.fresh(node.baseUrl())) {
      String conv = direct(net, alice, bob);
      String token = alice.get("access_token").asText();
      String big = "b".repeat(3000);
      HttpResponse<String> first =
          net.post(
              "/v1/conversations/" + conv + "/messages",
              token,
              Map.of("client_msg_id", "big1", "body", Map.of("kind", "text", "text", big)));
      assertThat(first.statusCode()).isEqualTo(201);
      // 4000 bytes of burst: a second 3 KB message is refused although messages are left
      HttpResponse<String> second =
          net.post(
              "/v1/conversations/" + conv + "/messages",
              token,
              Map.of("client_msg_id", "big2", "body", Map.of("kind", "text", "text", big)));
      // 2,100 bytes missing at 100 bytes a minute
      assertRateLimited(second, 1250, 1270);
      HttpResponse<String> small =
          net.post(
              "/v1/conversations/" + conv + "/messages",
              token,
              Map.of("client_msg_id", "small", "body", Map.of("kind", "text", "text", "ok")));
      assertThat(small.statusCode()).isEqualTo(201);
    }
  }

  @Test
  void connectionCapsPerDeviceAndUserAndConnectsPerAddress() throws Exception {
    JsonNode u = user("caps");
    String token1 = u.get("access_token").asText();
    String name = u.get("username").asText();
    try (Loopback a = Loopback.fresh(node.baseUrl());
        Loopback b = Loopback.fresh(node.baseUrl());
        Loopback c = Loopback.fresh(node.baseUrl())) {
      String token2 =
          Loopback.json(a.login(name, "correct horse battery")).get("access_token").asText();
      // two connections of device 1 are fine, a third is refused
      JdkWs d1a = JdkWs.connect(a.http, node.baseUrl(), token1);
      d1a.next("hello");
      JdkWs d1b = JdkWs.connect(a.http, node.baseUrl(), token1);
      d1b.next("hello");
      JdkWs d1c = JdkWs.connect(b.http, node.baseUrl(), token1);
      assertThat(d1c.awaitClose()).isEqualTo(4429);
      assertThat(d1c.closeReason()).contains("device");
      // device 2 makes the user's third connection; a fourth is refused for the user
      JdkWs d2a = JdkWs.connect(b.http, node.baseUrl(), token2);
      d2a.next("hello");
      JdkWs d2b = JdkWs.connect(b.http, node.baseUrl(), token2);
      assertThat(d2b.awaitClose()).isEqualTo(4429);
      assertThat(d2b.closeReason()).contains("user");
      // address a has used 2 of its 3 connects, b all 3: b is refused for the address
      JdkWs fromB = JdkWs.connect(b.http, node.baseUrl(), token2);
      assertThat(fromB.awaitClose()).isEqualTo(4429);
      assertThat(fromB.closeReason()).contains("address");
      // closing a connection frees its place
      d1a.send("{\"type\":\"ping\"}");
      d1a.next("pong");
      d1a.abort();
      Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> node.node().wiring().connections().of(u.get("user_id").asLong()).length < 3);
      JdkWs again = JdkWs.connect(c.http, node.baseUrl(), token2);
      assertThat(again.next().path("type").asText()).isEqualTo("hello");
      assertThat(again.untilPong()).allMatch(f -> !f.path("type").asText().equals("error"));
    }
  }
}
