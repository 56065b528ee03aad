package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyApiException;
import io.parley.client.ParleyClient;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.List;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Presence subscriptions (only between users sharing a conversation) and typing relay. */
class PresenceTypingIT extends SharedNode {
  @Test
  void presenceFollowsConnectionsAndIsLimitedToContacts() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser stranger = node.user("stranger");
    // presence needs a relationship: a message in the direct conversation
    String conv = alice.http().createDirect(bob.id());
    alice.http().sendRest(conv, "hi-1", io.parley.client.Bodies.text("hi"));
    ParleyClient a = alice.connect();
    a.awaitSynced();

    a.subscribePresence(List.of(bob.id()));
    JsonNode first = a.inbox().awaitFrame("presence", Duration.ofSeconds(5));
    assertThat(first.path("user_id").asText()).isEqualTo(bob.id());
    assertThat(first.path("online").asBoolean()).isFalse();

    ParleyClient b = bob.connect();
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> lastPresence(a, bob.id()).path("online").asBoolean());
    assertThat(alice.http().presence(List.of(bob.id())).get(0).online()).isTrue();

    long beforeLeave = System.currentTimeMillis();
    b.close();
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> !lastPresence(a, bob.id()).path("online").asBoolean());
    JsonNode offline = lastPresence(a, bob.id());
    assertThat(offline.path("last_seen").asLong()).isGreaterThanOrEqualTo(beforeLeave - 1000);
    var rest = alice.http().presence(List.of(bob.id())).get(0);
    assertThat(rest.online()).isFalse();
    assertThat(rest.lastSeen()).isEqualTo(offline.path("last_seen").asLong());

    // no shared conversation: refused on both paths
    int errors = a.inbox().frames("error").size();
    a.subscribePresence(List.of(stranger.id()));
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> a.inbox().frames("error").size() > errors);
    assertThat(a.inbox().frames("error").get(errors).path("code").asText()).isEqualTo("forbidden");
    assertThatThrownBy(() -> alice.http().presence(List.of(stranger.id())))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    ParleyClient s = stranger.connect();
    s.awaitSynced();
    Thread.sleep(300);
    assertThat(a.inbox().frames("presence"))
        .noneMatch(f -> f.path("user_id").asText().equals(stranger.id()));
  }

  @Test
  void typingIsRelayedToOtherMembersAndNeverStored() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    ParleyClient a = alice.connect();
    ParleyClient b = bob.connect();
    a.awaitSynced();
    b.awaitSynced();

    a.typing(conv, true);
    JsonNode t = b.inbox().awaitFrame("typing", Duration.ofSeconds(5));
    assertThat(t.path("conversation_id").asText()).isEqualTo(conv);
    assertThat(t.path("user_id").asText()).isEqualTo(alice.id());
    assertThat(t.path("state").asText()).isEqualTo("start");
    a.typing(conv, false);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> b.inbox().frames("typing").size() == 2);
    assertThat(b.inbox().frames("typing").get(1).path("state").asText()).isEqualTo("stop");
    Thread.sleep(200);
    assertThat(a.inbox().frames("typing")).as("not echoed to the typist").isEmpty();
    assertThat(alice.http().history(conv, null, null, 50).messages()).isEmpty();
  }

  private static JsonNode lastPresence(ParleyClient c, String userId) {
    List<JsonNode> fs =
        c.inbox().frames("presence").stream()
            .filter(f -> f.path("user_id").asText().equals(userId))
            .toList();
    return fs.isEmpty()
        ? com.fasterxml.jackson.databind.node.MissingNode.getInstance()
        : fs.get(fs.size() - 1);
  }
}
