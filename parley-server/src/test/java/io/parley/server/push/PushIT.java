package io.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.server.config.ParleyConfig;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.outbox.Outbox;
import io.parley.server.push.FakeProvider.Answer;
import io.parley.server.testsupport.TestDatabases;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Push end to end: a real node writes push jobs in the message commit and its dispatcher sends them
 * to real local servers standing in for FCM, APNs and a webhook.
 */
class PushIT {
  @TempDir Path dir;
  private FakeProvider fake;
  private TestNode node;
  private volatile Map<String, Answer> scripted = new HashMap<>();

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeProvider();
    fake.answer(
        r -> {
          if (r.path().equals("/token")) {
            return Answer.of(200, "{\"access_token\":\"at\",\"expires_in\":3600}");
          }
          Answer a = scripted.get(tokenOf(r));
          return a != null ? a : Answer.of(200, "{}");
        });
  }

  @AfterEach
  void tearDown() {
    if (node != null) {
      node.close();
    }
    fake.close();
  }

  private void start(Map<String, String> extra) throws Exception {
    Map<String, String> o = new HashMap<>();
    o.put("push.collapse_delay_ms", "700");
    o.put("push.poll_ms", "50");
    o.put("push.backoff_base_ms", "200");
    o.put("push.backoff_max_ms", "1000");
    o.put("push.max_attempts", "4");
    o.put("push.breaker_failures", "3");
    o.put("push.breaker_cooldown_ms", "1500");
    o.put("push.webhook.url", fake.url() + "/hook");
    o.put("push.webhook.secret", "whsec");
    o.put(
        "push.fcm.service_account_file",
        ProviderKeys.serviceAccount(dir, ProviderKeys.rsa(), "sa@x.iam", fake.url() + "/token")
            .toString());
    o.put("push.fcm.base_url", fake.url());
    o.put("push.apns.private_key_file", ProviderKeys.p8(dir, ProviderKeys.ec()).toString());
    o.put("push.apns.team_id", "TEAM");
    o.put("push.apns.key_id", "KEY");
    o.put("push.apns.topic", "io.parley.app");
    o.put("push.apns.base_url", fake.url());
    o.putAll(extra);
    node = TestNode.start(o);
  }

  /** The device token a provider request is for. */
  private static String tokenOf(FakeProvider.Request r) {
    if (r.path().startsWith("/3/device/")) {
      return r.path().substring("/3/device/".length());
    }
    JsonNode b = FakeProvider.json(r.body());
    return b.has("message") ? b.path("message").path("token").asText() : b.path("token").asText();
  }

  /** Notification title/body/count of a provider request. */
  private record Push(String token, String title, String body, String count, long at) {}

  private List<Push> pushesTo(String token) {
    List<Push> out = new ArrayList<>();
    for (FakeProvider.Request r : fake.requests) {
      if (r.path().equals("/token") || !tokenOf(r).equals(token)) {
        continue;
      }
      JsonNode b = FakeProvider.json(r.body());
      if (r.path().equals("/hook")) {
        out.add(
            new Push(
                token,
                b.path("title").asText(),
                b.path("body").asText(),
                b.path("data").path("count").asText(),
                r.at()));
      } else if (r.path().startsWith("/3/device/")) {
        JsonNode alert = b.path("aps").path("alert");
        out.add(
            new Push(
                token,
                alert.path("title").asText(),
                alert.path("body").asText(),
                b.path("count").asText(),
                r.at()));
      } else {
        JsonNode m = b.path("message");
        out.add(
            new Push(
                token,
                m.path("notification").path("title").asText(),
                m.path("notification").path("body").asText(),
                m.path("data").path("count").asText(),
                r.at()));
      }
    }
    return out;
  }

  /** Registers a push token with a plain JDK HTTP client (not our SDK). */
  private void register(TestUser u, String provider, String token) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/devices/me/push"))
                    .header("Authorization", "Bearer " + u.session().accessToken())
                    .header("Content-Type", "application/json")
                    .PUT(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"provider\":\"" + provider + "\",\"token\":\"" + token + "\"}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(204);
  }

  private String metrics() throws Exception {
    return HttpClient.newHttpClient()
        .send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/metrics")).build(),
            HttpResponse.BodyHandlers.ofString())
        .body();
  }

  private Outbox outbox() {
    return node.node().wiring().push().outbox();
  }

  /**
   * A positive marker for "nothing else arrives": a fresh offline user with a webhook token gets a
   * message now and its notification is awaited; anything still due for earlier messages would have
   * been sent before it.
   */
  private void marker(ParleyClient sender) throws Exception {
    TestUser m = node.user("marker");
    register(m, "webhook", "marker-" + m.id());
    sender.sendTo(m.id(), Bodies.text("marker")).get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> pushesTo("marker-" + m.id()).size() == 1);
  }

  /** Jobs are deleted right after their provider answered: wait for that. */
  private void awaitQueueEmpty() {
    await().atMost(Duration.ofSeconds(10)).until(() -> outbox().pending(PushJobs.KIND) == 0);
  }

  private static String apnsToken(TestUser u) {
    return String.format("%064x", Long.parseLong(u.id()));
  }

  @Test
  void offlineRecipientsGetOneNotificationPerMessageOnEveryProvider() throws Exception {
    start(Map.of());
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser carol = node.user("carol");
    TestUser dave = node.user("dave");
    register(bob, "webhook", "hook-" + bob.id());
    register(carol, "fcm", "fcm-" + carol.id());
    register(dave, "apns", apnsToken(dave));
    ParleyClient a = alice.connect();
    a.awaitSynced();
    for (TestUser u : List.of(bob, carol, dave)) {
      a.sendTo(u.id(), Bodies.text("hello " + u.username())).get(5, TimeUnit.SECONDS);
    }
    String[] tokens = {"hook-" + bob.id(), "fcm-" + carol.id(), apnsToken(dave)};
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> List.of(tokens).stream().allMatch(t -> pushesTo(t).size() == 1));
    assertThat(pushesTo(tokens[0]).get(0).body()).isEqualTo("hello " + bob.username());
    assertThat(pushesTo(tokens[0]).get(0).title()).isEqualTo(alice.username());
    assertThat(pushesTo(tokens[1]).get(0).body()).isEqualTo("hello " + carol.username());
    assertThat(pushesTo(tokens[2]).get(0).body()).isEqualTo("hello " + dave.username());
    // a second message later: a second notification
    a.sendTo(bob.id(), Bodies.text("again")).get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> pushesTo(tokens[0]).size() == 2);
    marker(a);
    assertThat(pushesTo(tokens[0]))
        .extracting(Push::body)
        .containsExactly("hello " + bob.username(), "again");
    assertThat(pushesTo(tokens[1])).hasSize(1);
    assertThat(pushesTo(tokens[2])).hasSize(1);
    // alice (the sender, online) got nothing; the queue empties; metrics count the sends
    await().atMost(Duration.ofSeconds(5)).until(() -> outbox().pending(PushJobs.KIND) == 0);
    String m = metrics();
    assertThat(m).contains("parley_push_queue_depth 0.0");
    assertThat(m)
        .containsPattern("parley_push_sent_total\\{outcome=\"ok\",provider=\"webhook\"} 3\\.0");
    assertThat(m)
        .containsPattern("parley_push_sent_total\\{outcome=\"ok\",provider=\"fcm\"} 1\\.0");
    assertThat(m)
        .containsPattern("parley_push_sent_total\\{outcome=\"ok\",provider=\"apns\"} 1\\.0");
  }

  @Test
  void aBurstCollapsesIntoOneNotification() throws Exception {
    start(Map.of());
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    register(bob, "webhook", "hook-" + bob.id());
    ParleyClient a = alice.connect();
    a.awaitSynced();
    String conv = a.sendTo(bob.id(), Bodies.text("one")).get(5, TimeUnit.SECONDS).conversationId();
    for (int i = 2; i <= 5; i++) {
      a.sendText(conv, "msg " + i).get(5, TimeUnit.SECONDS);
    }
    await().atMost(Duration.ofSeconds(10)).until(() -> pushesTo("hook-" + bob.id()).size() == 1);
    marker(a);
    List<Push> p = pushesTo("hook-" + bob.id());
    assertThat(p).hasSize(1);
    assertThat(p.get(0).body()).isEqualTo("5 new messages");
    assertThat(p.get(0).count()).isEqualTo("5");
    awaitQueueEmpty();
  }

  @Test
  void aDeviceThatReconnectsFirstIsNotNotified() throws Exception {
    start(Map.of("push.collapse_delay_ms", "1500"));
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    register(bob, "webhook", "hook-" + bob.id());
    ParleyClient a = alice.connect();
    a.awaitSynced();
    String conv =
        a.sendTo(bob.id(), Bodies.text("are you there")).get(5, TimeUnit.SECONDS).conversationId();
    assertThat(outbox().pending(PushJobs.KIND)).isEqualTo(1); // written with the message
    ParleyClient b = bob.connect(); // back before the job is due
    assertThat(b.awaitMessages(conv, 1, Duration.ofSeconds(5))).hasSize(1);
    await().atMost(Duration.ofSeconds(10)).until(() -> outbox().pending(PushJobs.KIND) == 0);
    // and once online, a new message writes no job at all
    a.sendText(conv, "live").get(5, TimeUnit.SECONDS);
    assertThat(outbox().pending(PushJobs.KIND)).isZero();
    marker(a);
    assertThat(pushesTo("hook-" + bob.id())).isEmpty();
    assertThat(metrics())
        .containsPattern("parley_push_dropped_total\\{reason=\"(device_online|delivered)\"} 1\\.0");
  }

  @Test
  void groupBurstOnPostgresCollapsesPerRecipient() throws Exception {
    try (TestDatabases.TestDb db = TestDatabases.postgres()) {
      ParleyConfig.Store s = db.config();
      start(
          Map.of(
              "store.type",
              "postgres",
              "store.postgres_url",
              s.postgresUrl(),
              "store.postgres_user",
              s.postgresUser(),
              "store.postgres_password",
              s.postgresPassword() == null ? "" : s.postgresPassword()));
      TestUser alice = node.user("alice");
      TestUser bob = node.user("bob");
      TestUser carol = node.user("carol");
      TestUser online = node.user("online");
      register(bob, "webhook", "hook-" + bob.id());
      register(carol, "fcm", "fcm-" + carol.id());
      register(online, "webhook", "hook-" + online.id());
      ParleyClient a = alice.connect();
      ParleyClient o = online.connect();
      a.awaitSynced();
      o.awaitSynced();
      String group =
          alice
              .http()
              .createGroup("pg push", List.of(bob.id(), carol.id(), online.id()))
              .conversationId();
      for (int i = 1; i <= 3; i++) {
        a.sendText(group, "g" + i).get(5, TimeUnit.SECONDS);
      }
      await()
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  pushesTo("hook-" + bob.id()).size() == 1
                      && pushesTo("fcm-" + carol.id()).size() == 1);
      marker(a);
      assertThat(pushesTo("hook-" + bob.id()))
          .extracting(Push::body)
          .containsExactly("3 new messages");
      assertThat(pushesTo("fcm-" + carol.id()))
          .extracting(Push::body)
          .containsExactly("3 new messages");
      assertThat(pushesTo("hook-" + online.id())).isEmpty(); // connected: no job
      awaitQueueEmpty();
      node.close();
      node = null;
    }
  }

  @Test
  void aDeviceThatAcknowledgedWhileBrieflyOnlineIsNotNotified() throws Exception {
    start(Map.of("push.collapse_delay_ms", "2500"));
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    register(bob, "webhook", "hook-" + bob.id());
    ParleyClient a = alice.connect();
    a.awaitSynced();
    String conv =
        a.sendTo(bob.id(), Bodies.text("quick one")).get(5, TimeUnit.SECONDS).conversationId();
    assertThat(outbox().pending(PushJobs.KIND)).isEqualTo(1);
    // bob's device comes online, gets the message, acknowledges it, and leaves before it is due
    ParleyClient b = bob.connect();
    b.awaitMessages(conv, 1, Duration.ofSeconds(5));
    long device = Long.parseLong(bob.session().deviceId());
    await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                node.node()
                        .wiring()
                        .stores()
                        .messages()
                        .devicePositions(device)
                        .getOrDefault(Long.parseLong(conv), 0L)
                    >= 1);
    b.close();
    await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !node.node().wiring().connections().isOnline(Long.parseLong(bob.id())));
    awaitQueueEmpty();
    marker(a);
    assertThat(pushesTo("hook-" + bob.id())).isEmpty();
    assertThat(metrics()).contains("parley_push_dropped_total{reason=\"delivered\"} 1.0");
  }

  @Test
  void encryptedMessagesPushNoContent() throws Exception {
    start(Map.of());
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    register(bob, "webhook", "hook-" + bob.id());
    ParleyClient a = alice.connect();
    a.awaitSynced();
    String ct =
        Base64.getEncoder().encodeToString("top secret plaintext".getBytes(StandardCharsets.UTF_8));
    a.sendTo(bob.id(), Bodies.encrypted(ct)).get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10)).until(() -> pushesTo("hook-" + bob.id()).size() == 1);
    Push p = pushesTo("hook-" + bob.id()).get(0);
    assertThat(p.body()).isEqualTo("New message");
    assertThat(p.title()).isEqualTo("Parley");
    String raw = fake.requests.get(fake.requests.size() - 1).body();
    assertThat(raw).doesNotContain(ct).doesNotContain("secret").doesNotContain(alice.username());
  }

  @Test
  void retriesWithBackoffThenSucceeds() throws Exception {
    // breaker out of the way here (3 failures in a row would open it: see the breaker test)
    start(Map.of("push.max_attempts", "6", "push.breaker_failures", "10"));
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser carol = node.user("carol");
    register(bob, "webhook", "hook-" + bob.id());
    register(carol, "fcm", "fcm-" + carol.id());
    scripted.put("hook-" + bob.id(), Answer.of(503, "busy"));
    scripted.put("fcm-" + carol.id(), new Answer(429, Map.of("Retry-After", "1"), "{}"));
    ParleyClient a = alice.connect();
    a.awaitSynced();
    a.sendTo(bob.id(), Bodies.text("retry me")).get(5, TimeUnit.SECONDS);
    a.sendTo(carol.id(), Bodies.text("throttled")).get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(15)).until(() -> pushesTo("hook-" + bob.id()).size() >= 3);
    // the webhook recovers at once: its six attempts with full jitter can all fit in the second
    // that fcm's Retry-After takes, and would be dead-lettered before a shared recovery
    Map<String, Answer> webhookRecovered = new HashMap<>(scripted);
    webhookRecovered.remove("hook-" + bob.id());
    scripted = webhookRecovered;
    await().atMost(Duration.ofSeconds(15)).until(() -> pushesTo("fcm-" + carol.id()).size() >= 2);
    scripted = new HashMap<>(); // fcm recovers
    await().atMost(Duration.ofSeconds(15)).until(() -> outbox().pending(PushJobs.KIND) == 0);
    List<Push> bobs = pushesTo("hook-" + bob.id());
    List<Push> carols = pushesTo("fcm-" + carol.id());
    List<Long> gaps = new ArrayList<>();
    for (int i = 1; i < bobs.size(); i++) {
      gaps.add(bobs.get(i).at() - bobs.get(i - 1).at());
    }
    System.out.println(
        "PushIT retries: webhook 503 x" + (bobs.size() - 1) + " then 200, gaps ms " + gaps);
    // full jitter: each wait is in [0, min(1000, 200 * 2^(n-1))] plus polling
    for (int i = 0; i < gaps.size(); i++) {
      assertThat(gaps.get(i)).isLessThanOrEqualTo(Math.min(1000, 200L << i) + 500);
    }
    // 429 with Retry-After: 1 is honoured: at least a second between those attempts
    for (int i = 1; i < carols.size(); i++) {
      assertThat(carols.get(i).at() - carols.get(i - 1).at()).isGreaterThanOrEqualTo(950);
    }
    List<Long> carolGaps = new ArrayList<>();
    for (int i = 1; i < carols.size(); i++) {
      carolGaps.add(carols.get(i).at() - carols.get(i - 1).at());
    }
    System.out.println("PushIT retries: fcm 429 Retry-After 1 s, gaps ms " + carolGaps);
    assertThat(bobs.get(bobs.size() - 1).body()).isEqualTo("retry me");
    String m = metrics();
    assertThat(m)
        .containsPattern("parley_push_sent_total\\{outcome=\"retry\",provider=\"webhook\"} [1-9]");
    assertThat(m)
        .containsPattern("parley_push_sent_total\\{outcome=\"ok\",provider=\"webhook\"} 1\\.0");
    assertThat(m)
        .containsPattern("parley_push_sent_total\\{outcome=\"ok\",provider=\"fcm\"} 1\\.0");
  }

  @Test
  void deadLetteredAfterMaxAttempts() throws Exception {
    start(Map.of("push.max_attempts", "3", "push.backoff_base_ms", "50"));
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    register(bob, "webhook", "hook-" + bob.id());
    scripted.put("hook-" + bob.id(), Answer.of(500, "down"));
    ParleyClient a = alice.connect();
    a.awaitSynced();
    a.sendTo(bob.id(), Bodies.text("doomed")).get(5, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(15)).until(() -> outbox().deadLetters(PushJobs.KIND) == 1);
    marker(a);
    assertThat(pushesTo("hook-" + bob.id())).hasSize(3);
    Outbox.Job dead = outbox().dead(PushJobs.KIND, 10).get(0);
    assertThat(dead.attempts()).isEqualTo(3);
    assertThat(dead.lastError()).contains("HTTP 500");
    awaitQueueEmpty();
    assertThat(metrics()).contains("parley_push_dead_letters 1.0");
  }

  @Test
  void circuitBreakerOpensForAFailingProviderWhileOthersFlow() throws Exception {
    // backoff capped so that recovery after the cool-down is bounded (full jitter could otherwise
    // schedule a retry past the await below)
    start(
        Map.of(
            "push.max_attempts", "20",
            "push.breaker_cooldown_ms", "4000",
            "push.backoff_max_ms", "1500"));
    TestUser alice = node.user("alice");
    List<TestUser> fcmUsers = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      TestUser u = node.user("f" + i);
      register(u, "fcm", "fcm-" + u.id());
      scripted.put("fcm-" + u.id(), Answer.of(503, "{}"));
      fcmUsers.add(u);
    }
    ParleyClient a = alice.connect();
    a.awaitSynced();
    for (TestUser u : fcmUsers) {
      a.sendTo(u.id(), Bodies.text("hi")).get(5, TimeUnit.SECONDS);
    }
    CircuitBreaker breaker = node.node().wiring().push().dispatcher().breaker("fcm");
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> breaker.state() != CircuitBreaker.State.CLOSED);
    assertThat(metrics()).contains("parley_push_breaker_open{provider=\"fcm\"} 1.0");
    long whileOpen = fake.count("/v1/projects");
    // the webhook provider is not held up by FCM's open breaker
    marker(a);
    // while open, FCM gets no request at all (jobs are held, not sent)
    await()
        .during(Duration.ofSeconds(1))
        .atMost(Duration.ofSeconds(3))
        .until(
            () ->
                breaker.state() == CircuitBreaker.State.OPEN
                    && fake.count("/v1/projects") == whileOpen);
    // FCM recovers: after the cool-down one trial goes through, the breaker closes, all delivered
    // (a user whose job was held before its first attempt has no failed request to count, so
    // compare with what each user had got before the recovery)
    Map<String, Integer> failedBefore = new HashMap<>();
    for (TestUser u : fcmUsers) {
      failedBefore.put(u.id(), pushesTo("fcm-" + u.id()).size());
    }
    scripted = new HashMap<>();
    await()
        .atMost(Duration.ofSeconds(20))
        .until(
            () ->
                fcmUsers.stream()
                    .allMatch(u -> pushesTo("fcm-" + u.id()).size() > failedBefore.get(u.id())));
    await().atMost(Duration.ofSeconds(20)).until(() -> outbox().pending(PushJobs.KIND) == 0);
    assertThat(breaker.state()).isEqualTo(CircuitBreaker.State.CLOSED);
    assertThat(metrics())
        .containsPattern("parley_push_sent_total\\{outcome=\"held\",provider=\"fcm\"} [1-9]");
  }

  @Test
  void anUnregisteredTokenIsRemoved() throws Exception {
    start(Map.of());
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser dave = node.user("dave");
    register(bob, "fcm", "fcm-" + bob.id());
    register(dave, "apns", apnsToken(dave));
    scripted.put(
        "fcm-" + bob.id(),
        Answer.of(404, "{\"error\":{\"details\":[{\"errorCode\":\"UNREGISTERED\"}]}}"));
    scripted.put(apnsToken(dave), Answer.of(410, "{\"reason\":\"Unregistered\"}"));
    ParleyClient a = alice.connect();
    a.awaitSynced();
    a.sendTo(bob.id(), Bodies.text("gone?")).get(5, TimeUnit.SECONDS);
    a.sendTo(dave.id(), Bodies.text("gone?")).get(5, TimeUnit.SECONDS);
    PushTokenStore tokens = node.node().wiring().push().tokens();
    long bobDevice = Long.parseLong(bob.session().deviceId());
    long daveDevice = Long.parseLong(dave.session().deviceId());
    await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> tokens.find(bobDevice).isEmpty() && tokens.find(daveDevice).isEmpty());
    awaitQueueEmpty();
    // no token, no job
    a.sendTo(bob.id(), Bodies.text("still there?")).get(5, TimeUnit.SECONDS);
    assertThat(outbox().pending(PushJobs.KIND)).isZero();
    marker(a);
    assertThat(pushesTo("fcm-" + bob.id())).hasSize(1);
    assertThat(metrics())
        .containsPattern(
            "parley_push_sent_total\\{outcome=\"invalid_token\",provider=\"apns\"} 1\\.0");
  }
}
