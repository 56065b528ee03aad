package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.it.JdkClient.Res;
import io.parley.server.it.JdkClient.Socket;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * Logout, refresh-token reuse and device removal close the device's open WebSocket with 4401 within
 * a second, leave the user's other devices connected, and nothing the revoked device sends
 * afterwards is stored. Driven with the JDK's HTTP and WebSocket clients.
 */
class RevocationIT extends SharedNode {
  private static final Duration ONE_SECOND = Duration.ofSeconds(1);

  @Test
  void logoutClosesThatDevicesSocketOnly() {
    TestUser phone = node.user("alice");
    TestUser laptop = node.device(phone, "laptop");
    Socket p = Socket.open(node.baseUrl(), phone.session().accessToken());
    Socket p2 = Socket.open(node.baseUrl(), phone.session().accessToken()); // same device twice
    Socket l = Socket.open(node.baseUrl(), laptop.session().accessToken());

    long start = System.nanoTime();
    Res r = call("POST", "/v1/auth/logout", phone.session().accessToken(), null);
    assertThat(r.status()).isEqualTo(204);
    assertClosedWithin(p, start);
    assertClosedWithin(p2, start);

    l.roundTrip(); // the other device is still served
    assertThat(l.isClosed()).isFalse();
    assertThat(call("GET", "/v1/users/me", phone.session().accessToken(), null).status())
        .isEqualTo(401);
    l.close();
  }

  @Test
  void refreshTokenReuseClosesTheDevicesSocket() {
    TestUser phone = node.user("alice");
    TestUser laptop = node.device(phone, "laptop");
    Socket p = Socket.open(node.baseUrl(), phone.session().accessToken());
    Socket l = Socket.open(node.baseUrl(), laptop.session().accessToken());
    String r1 = phone.session().refreshToken();
    String r2 = refresh(r1).body().path("refresh_token").asText();
    refresh(r2);

    // r1 is older than the latest rotation: a replay (stolen token) even inside the grace window
    long start = System.nanoTime();
    Res replay = refresh(r1);
    assertThat(replay.status()).isEqualTo(401);
    assertClosedWithin(p, start);
    l.roundTrip();
    assertThat(l.isClosed()).isFalse();
    l.close();
  }

  @Test
  void deletingADeviceClosesItsSocket() {
    TestUser phone = node.user("alice");
    TestUser laptop = node.device(phone, "laptop");
    Socket p = Socket.open(node.baseUrl(), phone.session().accessToken());
    Socket l = Socket.open(node.baseUrl(), laptop.session().accessToken());

    Res list = call("GET", "/v1/devices", laptop.session().accessToken(), null);
    assertThat(list.body().path("devices")).hasSize(2);
    long start = System.nanoTime();
    Res r =
        call(
            "DELETE",
            "/v1/devices/" + phone.session().deviceId(),
            laptop.session().accessToken(),
            null);
    assertThat(r.status()).isEqualTo(204);
    assertClosedWithin(p, start);
    l.roundTrip();
    assertThat(l.isClosed()).isFalse();
    assertThat(
            call("GET", "/v1/devices", laptop.session().accessToken(), null).body().path("devices"))
        .hasSize(1);
    // a revoked device's token cannot open a new socket either
    Socket again = Socket.connect(node.baseUrl(), phone.session().accessToken());
    assertThat(again.awaitClose(Duration.ofSeconds(5))).isEqualTo(4401);
    l.close();
  }

  @Test
  void framesOfARevokedDeviceAreNotStored() {
    TestUser alice = node.user("alice");
    TestUser other = node.device(alice, "laptop");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    Socket a = Socket.open(node.baseUrl(), alice.session().accessToken());
    Socket o = Socket.open(node.baseUrl(), other.session().accessToken());
    a.send(send("before", conv));
    a.await("ack", f -> f.path("client_msg_id").asText().equals("before"));

    assertThat(call("POST", "/v1/auth/logout", alice.session().accessToken(), null).status())
        .isEqualTo(204);
    // sent after the revocation, over the socket that is being closed
    a.trySend(send("after-1", conv));
    a.trySend(
        "{\"type\":\"send\",\"client_msg_id\":\"after-2\",\"to_user_id\":\""
            + bob.id()
            + "\",\"body\":{\"kind\":\"text\",\"text\":\"x\"}}");
    assertThat(a.awaitClose(ONE_SECOND)).isEqualTo(4401);

    // a marker through the same conversation from the other device: it is stored after anything
    // the revoked device could have got in
    o.send(send("marker", conv));
    JsonNode ack = o.await("ack", f -> f.path("client_msg_id").asText().equals("marker"));
    Res history =
        call("GET", "/v1/conversations/" + conv + "/messages", bob.session().accessToken(), null);
    assertThat(history.body().path("messages"))
        .extracting(m -> m.path("client_msg_id").asText())
        .containsExactly("before", "marker");
    assertThat(ack.path("seq").asLong()).isEqualTo(2);
    assertThat(a.frames("ack")).hasSize(1);
    o.close();
  }

  private static void assertClosedWithin(Socket s, long startNanos) {
    assertThat(s.awaitClose(Duration.ofSeconds(2))).isEqualTo(4401);
    long tookMs = TimeUnit.NANOSECONDS.toMillis(s.closedAtNanos() - startNanos);
    assertThat(tookMs).as("close after %d ms", tookMs).isLessThanOrEqualTo(1000);
  }

  private static String send(String clientMsgId, String conv) {
    return "{\"type\":\"send\",\"client_msg_id\":\""
        + clientMsgId
        + "\",\"conversation_id\":\""
        + conv
        + "\",\"body\":{\"kind\":\"text\",\"text\":\""
        + clientMsgId
        + "\"}}";
  }

  private static Res refresh(String token) {
    return call("POST", "/v1/auth/refresh", null, "{\"refresh_token\":\"" + token + "\"}");
  }

  private static Res call(String method, String path, String token, String body) {
    return JdkClient.call(node.baseUrl(), method, path, token, body);
  }
}
