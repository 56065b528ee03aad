package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.server.it.JdkClient.Res;
import io.parley.server.it.JdkClient.Socket;
import io.parley.server.it.TestNode.TestUser;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * Presence needs a relationship (a message in the direct conversation, or a shared group), and each
 * user's {@code privacy} setting decides who sees its online state and last-seen time, on REST and
 * on WebSocket subscriptions, including changes while subscribed. JDK clients throughout.
 */
class PresencePrivacyIT extends SharedNode {

  @Test
  void emptyDirectConversationGivesNoPresenceUntilAMessage() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    Socket b = Socket.open(node.baseUrl(), bob.session().accessToken());
    Socket a = Socket.open(node.baseUrl(), alice.session().accessToken());

    subscribe(a, bob);
    JsonNode first = a.await("presence", f -> true);
    assertHidden(first);
    assertHidden(rest(alice, bob));

    // bob goes away and comes back: alice hears nothing of it
    b.bye();
    awaitOffline(bob);
    b = Socket.open(node.baseUrl(), bob.session().accessToken());
    flushPresence(a, alice);
    assertThat(presenceOf(a, bob)).hasSize(1);

    // the first message makes it a relationship: the open subscription shows bob online
    bob.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("hi"));
    JsonNode online = awaitLast(a, bob, true);
    assertThat(rest(alice, bob).path("online").asBoolean()).isTrue();
    b.bye();
    JsonNode offline = awaitLast(a, bob, false);
    assertThat(offline.path("last_seen").isIntegralNumber()).isTrue();
    a.close();
  }

  @Test
  void sharedGroupGivesPresenceAndLeavingEndsIt() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String g = alice.http().createGroup("g", List.of(bob.id())).conversationId();
    Socket b = Socket.open(node.baseUrl(), bob.session().accessToken());
    Socket a = Socket.open(node.baseUrl(), alice.session().accessToken());
    subscribe(a, bob);
    assertThat(a.await("presence", f -> true).path("online").asBoolean()).isTrue();
    assertThat(rest(alice, bob).path("online").asBoolean()).isTrue();

    alice.http().removeMember(g, bob.id());
    JsonNode after = awaitLast(a, bob, false);
    assertHidden(after);
    Res r =
        JdkClient.call(
            node.baseUrl(),
            "GET",
            "/v1/presence?user_ids=" + bob.id(),
            alice.session().accessToken(),
            null);
    assertThat(r.status()).as("no shared conversation any more").isEqualTo(403);
    b.close();
    a.close();
  }

  @Test
  void privacySettingsApplyToRestAndLiveSubscriptions() {
    TestUser bob = node.user("bob");
    TestUser alice = node.user("alice"); // contact: a message exchanged
    TestUser eve = node.user("eve"); // only an empty direct conversation
    String conv = alice.http().createDirect(bob.id());
    alice.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("hello"));
    eve.http().createDirect(bob.id());

    // bob was online once, so there is a last-seen time
    Socket b = Socket.open(node.baseUrl(), bob.session().accessToken());
    b.bye();
    awaitOffline(bob);
    b = Socket.open(node.baseUrl(), bob.session().accessToken());
    Socket a = Socket.open(node.baseUrl(), alice.session().accessToken());
    Socket e = Socket.open(node.baseUrl(), eve.session().accessToken());
    subscribe(a, bob);
    subscribe(e, bob);
    assertThat(a.await("presence", f -> true).path("online").asBoolean()).isTrue();
    assertHidden(e.await("presence", f -> true));

    // everyone: eve (sharing only an empty conversation) now sees him, live and on REST
    patchPrivacy(bob, "{\"last_seen\":\"everyone\",\"online\":\"everyone\"}");
    assertThat(awaitLast(e, bob, true).path("last_seen").isIntegralNumber()).isTrue();
    assertThat(rest(eve, bob).path("online").asBoolean()).isTrue();

    // online hidden from everyone, last seen for contacts: alice sees the end of his previous
    // session, eve nothing
    patchPrivacy(bob, "{\"last_seen\":\"contacts\",\"online\":\"nobody\"}");
    JsonNode forAlice = awaitLast(a, bob, false);
    long previousSession = forAlice.path("last_seen").asLong();
    assertThat(previousSession).isPositive();
    assertHidden(awaitLast(e, bob, false));
    assertThat(rest(alice, bob).path("last_seen").asLong()).isEqualTo(previousSession);
    assertHidden(rest(eve, bob));

    // nobody at all: alice loses the last-seen time too, and hears nothing when he leaves
    patchPrivacy(bob, "{\"last_seen\":\"nobody\"}");
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> !presenceOf(a, bob).getLast().hasNonNull("last_seen"));
    assertHidden(presenceOf(a, bob).getLast());
    int aliceFrames = presenceOf(a, bob).size();
    int eveFrames = presenceOf(e, bob).size();
    b.bye();
    awaitOffline(bob);
    b = Socket.open(node.baseUrl(), bob.session().accessToken());
    flushPresence(a, alice);
    flushPresence(e, eve);
    assertThat(presenceOf(a, bob)).hasSize(aliceFrames);
    assertThat(presenceOf(e, bob)).hasSize(eveFrames);
    assertHidden(rest(alice, bob));

    // back to contacts for both: alice sees him online again, eve still nothing
    patchPrivacy(bob, "{\"last_seen\":\"contacts\",\"online\":\"contacts\"}");
    assertThat(awaitLast(a, bob, true).path("online").asBoolean()).isTrue();
    flushPresence(e, eve);
    assertThat(presenceOf(e, bob)).hasSize(eveFrames);
    // bob himself always sees his own state
    assertThat(rest(bob, bob).path("online").asBoolean()).isTrue();
    b.close();
    a.close();
    e.close();
  }

  @Test
  void subscribingTwiceKeepsOneSubscription() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    alice.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text("hello"));
    Socket a = Socket.open(node.baseUrl(), alice.session().accessToken());
    a.send(
        "{\"type\":\"presence_subscribe\",\"user_ids\":[\""
            + bob.id()
            + "\",\""
            + bob.id()
            + "\"]}");
    a.roundTrip();
    assertThat(presenceOf(a, bob)).as("one answer for a repeated id").hasSize(1);
    subscribe(a, bob);
    a.roundTrip();
    assertThat(presenceOf(a, bob)).as("each subscribe answers once").hasSize(2);

    Socket b = Socket.open(node.baseUrl(), bob.session().accessToken());
    awaitLast(a, bob, true);
    Socket b2 = Socket.open(node.baseUrl(), bob.session().accessToken()); // no change: online
    b2.roundTrip();
    flushPresence(a, alice);
    assertThat(presenceOf(a, bob)).as("one frame for the change").hasSize(3);
    b.close();
    b2.close();
    a.close();
  }

  /**
   * A positive marker for "no presence frame came": presence changes are evaluated in order on one
   * serial executor, so once a fresh contact's coming online reaches {@code s}, every change queued
   * before it has been delivered (or found invisible).
   */
  private static void flushPresence(Socket s, TestUser viewer) {
    TestUser marker = node.user("marker");
    viewer.http().createGroup("marker", List.of(marker.id()));
    subscribe(s, marker);
    s.await("presence", f -> f.path("user_id").asText().equals(marker.id()));
    Socket m = Socket.open(node.baseUrl(), marker.session().accessToken());
    awaitLast(s, marker, true);
    m.close();
  }

  /** Waits until the server has seen the user's last connection go (the user sees itself). */
  private static void awaitOffline(TestUser u) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(() -> !rest(u, u).path("online").asBoolean());
  }

  private static void subscribe(Socket s, TestUser u) {
    s.send("{\"type\":\"presence_subscribe\",\"user_ids\":[\"" + u.id() + "\"]}");
  }

  private static List<JsonNode> presenceOf(Socket s, TestUser u) {
    return s.frames("presence").stream()
        .filter(f -> f.path("user_id").asText().equals(u.id()))
        .toList();
  }

  /** Waits until the latest presence frame of {@code u} has {@code online}; returns it. */
  private static JsonNode awaitLast(Socket s, TestUser u, boolean online) {
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(10))
        .until(
            () -> {
              List<JsonNode> fs = presenceOf(s, u);
              return !fs.isEmpty() && fs.getLast().path("online").asBoolean() == online;
            });
    return presenceOf(s, u).getLast();
  }

  private static void assertHidden(JsonNode presence) {
    assertThat(presence.path("online").asBoolean()).as(presence.toString()).isFalse();
    assertThat(presence.hasNonNull("last_seen")).as(presence.toString()).isFalse();
  }

  private static JsonNode rest(TestUser viewer, TestUser target) {
    Res r =
        JdkClient.call(
            node.baseUrl(),
            "GET",
            "/v1/presence?user_ids=" + target.id(),
            viewer.session().accessToken(),
            null);
    assertThat(r.status()).isEqualTo(200);
    return r.body().path("presence").get(0);
  }

  private static void patchPrivacy(TestUser u, String privacy) {
    Res r =
        JdkClient.call(
            node.baseUrl(),
            "PATCH",
            "/v1/users/me",
            u.session().accessToken(),
            "{\"privacy\":" + privacy + "}");
    assertThat(r.status()).isEqualTo(200);
  }
}
