package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ClientOptions;
import io.parley.client.ParleyClient;
import io.parley.client.ParleyClosedException;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * SPEC §2: every malformed frame gets a precise error, the connection survives where it should, and
 * nothing stored changes.
 */
class BadInputIT {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("websocket.max_frame_bytes", "8192"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void badFramesGetPreciseErrorsAndChangeNothing() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser eve = node.user("eve");
    String conv = alice.http().createDirect(bob.id());
    String eveConv = eve.http().createDirect(bob.id());
    ParleyClient a = alice.connect();
    a.awaitSynced();
    a.sendText(conv, "good one").get(5, TimeUnit.SECONDS);

    expectError(a, "{not json", "bad_frame", null);
    expectError(a, "[1,2,3]", "bad_frame", null);
    expectError(a, "{\"no_type\":1}", "bad_frame", null);
    expectError(a, "{\"type\":\"teleport\"}", "bad_frame", null);
    expectError(
        a,
        "{\"type\":\"send\",\"conversation_id\":\""
            + conv
            + "\",\"body\":{\"kind\":\"text\",\"text\":\"x\"}}",
        "invalid_argument",
        null);
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c1\",\"conversation_id\":\"" + conv + "\"}",
        "invalid_argument",
        "c1");
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c2\",\"conversation_id\":\""
            + conv
            + "\",\"body\":{\"kind\":\"text\",\"text\":42}}",
        "invalid_argument",
        "c2");
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c3\",\"conversation_id\":\""
            + conv
            + "\",\"body\":{\"kind\":\"system\",\"event\":\"x\"}}",
        "invalid_argument",
        "c3");
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c4\",\"conversation_id\":\"abc\",\"body\":{\"kind\":\"text\",\"text\":\"x\"}}",
        "invalid_argument",
        "c4");
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c5\",\"conversation_id\":\""
            + conv
            + "\",\"to_user_id\":\""
            + bob.id()
            + "\",\"body\":{\"kind\":\"text\",\"text\":\"x\"}}",
        "invalid_argument",
        "c5");
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c6\",\"conversation_id\":\""
            + eveConv
            + "\",\"body\":{\"kind\":\"text\",\"text\":\"x\"}}",
        "forbidden",
        "c6");
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c7\",\"conversation_id\":\"999999999\",\"body\":{\"kind\":\"text\",\"text\":\"x\"}}",
        "not_found",
        "c7");
    expectError(
        a,
        "{\"type\":\"send\",\"client_msg_id\":\"c8\",\"to_user_id\":\""
            + alice.id()
            + "\",\"body\":{\"kind\":\"text\",\"text\":\"x\"}}",
        "invalid_argument",
        "c8");
    expectError(
        a,
        "{\"type\":\"delivered\",\"conversation_id\":\"" + conv + "\",\"seq\":\"high\"}",
        "invalid_argument",
        null);
    expectError(
        a,
        "{\"type\":\"read\",\"conversation_id\":\"" + eveConv + "\",\"seq\":1}",
        "forbidden",
        null);
    expectError(
        a,
        "{\"type\":\"typing\",\"conversation_id\":\"" + conv + "\",\"state\":\"dancing\"}",
        "invalid_argument",
        null);
    expectError(
        a,
        "{\"type\":\"presence_subscribe\",\"user_ids\":[\"" + eve.id() + "\"]}",
        "forbidden",
        null);
    expectError(
        a, "{\"type\":\"presence_subscribe\",\"user_ids\":\"nope\"}", "invalid_argument", null);
    // the connection survived all of that
    a.ping();
    a.inbox().awaitFrame("pong", Duration.ofSeconds(5));
    assertThat(a.isConnected()).isTrue();

    // nothing stored changed: one message in alice's conversation, none in eve's
    assertThat(alice.http().history(conv, null, null, 50).messages())
        .extracting(MessageView::text)
        .containsExactly("good one");
    assertThat(eve.http().history(eveConv, null, null, 50).messages()).isEmpty();
    assertThat(bob.http().listConversations())
        .allSatisfy(c -> assertThat(c.lastReadSeq()).isZero());
  }

  @Test
  void oversizedFrameClosesWith1009() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    ParleyClient a = alice.connect();
    a.awaitSynced();
    a.rawSend(
        "{\"type\":\"send\",\"client_msg_id\":\"big\",\"conversation_id\":\""
            + conv
            + "\",\"body\":{\"kind\":\"text\",\"text\":\""
            + "x".repeat(10_000)
            + "\"}}");
    assertThat(a.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(1009);
    assertThat(alice.http().history(conv, null, null, 50).messages()).isEmpty();
  }

  @Test
  void badAndExpiredTokensCloseWith4401() throws Exception {
    try (TestNode node = TestNode.start(Map.of("auth.access_token_ttl_seconds", "1"))) {
      badAndExpiredTokens(node);
    }
  }

  private static void badAndExpiredTokens(TestNode node) throws Exception {
    TestUser alice = node.user("alice");
    for (String token : List.of("garbage", alice.session().accessToken() + "x")) {
      ExecutionException e =
          org.junit.jupiter.api.Assertions.assertThrows(
              ExecutionException.class,
              () ->
                  new ParleyClient(new ClientOptions(node.baseUrl(), token))
                      .connect()
                      .get(5, TimeUnit.SECONDS));
      assertThat(e.getCause())
          .isInstanceOfSatisfying(
              ParleyClosedException.class, c -> assertThat(c.code()).isEqualTo(4401));
    }
    // the node's access tokens live 1 s: wait (without sleeping) until REST rejects it
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .pollInterval(Duration.ofMillis(100))
        .until(() -> alice.http().raw("GET", "/v1/users/me", null, null).status() == 401);
    ExecutionException e =
        org.junit.jupiter.api.Assertions.assertThrows(
            ExecutionException.class,
            () ->
                new ParleyClient(new ClientOptions(node.baseUrl(), alice.session().accessToken()))
                    .connect()
                    .get(5, TimeUnit.SECONDS));
    assertThat(e.getCause())
        .isInstanceOfSatisfying(
            ParleyClosedException.class, c -> assertThat(c.code()).isEqualTo(4401));
    // and REST says 401 with the API.md error body
    assertThatThrownBy(() -> alice.http().me())
        .isInstanceOfSatisfying(
            io.parley.client.ParleyApiException.class,
            x -> {
              assertThat(x.status()).isEqualTo(401);
              assertThat(x.code()).isEqualTo("unauthorized");
            });
  }

  @Test
  void restRejectsMalformedAndOversizedBodies() {
    TestUser alice = node.user("alice");
    var http = alice.http();
    var r = http.raw("POST", "/v1/conversations/direct", "{oops", "application/json");
    assertThat(r.status()).isEqualTo(400);
    assertThat(r.json().path("error").path("code").asText()).isEqualTo("invalid_argument");
    r = http.raw("POST", "/v1/groups", "{\"name\":\"g\",\"member_ids\":\"x\"}", "application/json");
    assertThat(r.status()).isEqualTo(400);
    r =
        http.raw(
            "POST",
            "/v1/groups",
            "{\"name\":\"" + "n".repeat(2_000_000) + "\"}",
            "application/json");
    assertThat(r.status()).isEqualTo(413);
    assertThat(r.json().path("error").path("code").asText()).isEqualTo("too_large");
    r = http.raw("GET", "/v1/nowhere", null, null);
    assertThat(r.status()).isEqualTo(404);
    assertThat(http.listConversations()).isEmpty();
  }

  @Test
  void aBurstOfBadFramesClosesWith4429() throws Exception {
    TestUser alice = node.user("alice");
    ParleyClient a = alice.connect();
    for (int i = 0; i < 60; i++) {
      a.rawSend("nonsense " + i);
    }
    assertThat(a.awaitClose(Duration.ofSeconds(5)).code()).isEqualTo(4429);
  }

  private static void expectError(ParleyClient c, String raw, String code, String clientMsgId)
      throws Exception {
    int before = c.inbox().frames("error").size();
    c.rawSend(raw).get(5, TimeUnit.SECONDS);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> c.inbox().frames("error").size() > before);
    JsonNode err = c.inbox().frames("error").get(before);
    assertThat(err.path("code").asText()).as("error for %s", raw).isEqualTo(code);
    assertThat(err.path("message").asText()).isNotBlank();
    if (clientMsgId != null) {
      assertThat(err.path("client_msg_id").asText()).isEqualTo(clientMsgId);
    }
  }
}
