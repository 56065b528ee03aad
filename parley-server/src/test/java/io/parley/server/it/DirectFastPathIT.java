package io.parley.server.it;

import static io.parley.server.it.JdkClient.sendTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.store.Database;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The first message between two users (a send by {@code to_user_id}) costs what any other costs:
 * its conversation is found or created inside the writer's batched transaction, so no statement
 * runs outside the writer thread (no user lookup, no transaction of its own, no membership read).
 * Counted on the store's connections; driven by a plain JDK WebSocket.
 */
class DirectFastPathIT extends SharedNode {
  private static final String WRITER = "parley-message-writer";

  @Test
  void firstAndLaterSendsToAUserRunOnlyInTheBatchedTransaction() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    JdkClient.Socket a = JdkClient.Socket.open(node.baseUrl(), alice.session().accessToken());
    JdkClient.Socket b = JdkClient.Socket.open(node.baseUrl(), bob.session().accessToken());
    b.await("synced", f -> true);
    Database db = node.node().wiring().stores().database();

    db.countStatements(true);
    a.send(sendTo(bob.id(), "first"));
    JsonNode ack1 = a.await("ack", f -> f.path("client_msg_id").asText().equals("first"));
    List<String> first = outsideWriter(db.statements());
    assertThat(db.statements()).as("the append ran").anyMatch(s -> s.startsWith(WRITER));

    db.countStatements(true);
    a.send(sendTo(bob.id(), "second"));
    JsonNode ack2 = a.await("ack", f -> f.path("client_msg_id").asText().equals("second"));
    List<String> second = outsideWriter(db.statements());
    db.countStatements(false);

    assertThat(first).as("statements outside the batched transaction, first send").isEmpty();
    assertThat(second).as("statements outside the batched transaction, second send").isEmpty();
    String conv = ack1.path("conversation_id").asText();
    assertThat(ack2.path("conversation_id").asText()).isEqualTo(conv);
    assertThat(ack1.path("seq").asLong()).isEqualTo(1);
    assertThat(ack2.path("seq").asLong()).isEqualTo(2);
    JsonNode got = b.await("message", f -> f.path("message").path("seq").asLong() == 2);
    assertThat(got.path("message").path("conversation_id").asText()).isEqualTo(conv);
    assertThat(b.frames("message")).hasSize(2);

    // the pair has one conversation whichever side starts, and REST agrees
    b.send(sendTo(alice.id(), "reply"));
    JsonNode ack3 = b.await("ack", f -> f.path("client_msg_id").asText().equals("reply"));
    assertThat(ack3.path("conversation_id").asText()).isEqualTo(conv);
    assertThat(ack3.path("seq").asLong()).isEqualTo(3);
    assertThat(alice.http().createDirect(bob.id())).isEqualTo(conv);
    a.close();
    b.close();
  }

  @Test
  void bothSidesStartingAtOnceGetOneConversation() {
    TestUser carol = node.user("carol");
    TestUser dave = node.user("dave");
    JdkClient.Socket c = JdkClient.Socket.open(node.baseUrl(), carol.session().accessToken());
    JdkClient.Socket d = JdkClient.Socket.open(node.baseUrl(), dave.session().accessToken());
    for (int i = 0; i < 20; i++) {
      c.trySend(sendTo(dave.id(), "c" + i));
      d.trySend(sendTo(carol.id(), "d" + i));
    }
    JsonNode lastC = c.await("ack", f -> f.path("client_msg_id").asText().equals("c19"));
    JsonNode lastD = d.await("ack", f -> f.path("client_msg_id").asText().equals("d19"));
    c.roundTrip();
    d.roundTrip();
    List<JsonNode> acks = new java.util.ArrayList<>(c.frames("ack"));
    acks.addAll(d.frames("ack"));
    assertThat(acks).hasSize(40);
    assertThat(acks.stream().map(f -> f.path("conversation_id").asText()).distinct())
        .containsExactly(lastC.path("conversation_id").asText());
    assertThat(acks.stream().map(f -> f.path("seq").asLong()).sorted().toList())
        .containsExactlyElementsOf(java.util.stream.LongStream.rangeClosed(1, 40).boxed().toList());
    assertThat(lastD.path("conversation_id").asText())
        .isEqualTo(lastC.path("conversation_id").asText());
    c.close();
    d.close();
  }

  @Test
  void unknownRecipientIsNotFoundAndStoresNothingWhileNeighboursSucceed() {
    TestUser erin = node.user("erin");
    TestUser frank = node.user("frank");
    JdkClient.Socket e = JdkClient.Socket.open(node.baseUrl(), erin.session().accessToken());
    // in one burst, so they likely share a batch: the bad one must not fail its neighbours
    e.trySend(sendTo(frank.id(), "ok-1"));
    e.trySend(sendTo("987654321987", "nobody"));
    e.trySend(sendTo(frank.id(), "ok-2"));
    e.trySend(sendTo(erin.id(), "self"));
    JsonNode err = e.await("error", f -> f.path("client_msg_id").asText().equals("nobody"));
    assertThat(err.path("code").asText()).isEqualTo("not_found");
    JsonNode self = e.await("error", f -> f.path("client_msg_id").asText().equals("self"));
    assertThat(self.path("code").asText()).isEqualTo("invalid_argument");
    JsonNode ok2 = e.await("ack", f -> f.path("client_msg_id").asText().equals("ok-2"));
    assertThat(ok2.path("seq").asLong()).isEqualTo(2);
    e.roundTrip();
    assertThat(e.frames("ack")).hasSize(2);
    assertThat(erin.http().listConversations()).hasSize(1);
    e.close();
  }

  private static List<String> outsideWriter(List<String> statements) {
    return statements.stream()
        .filter(s -> !s.startsWith(WRITER) && !s.startsWith("parley-push-drainer"))
        .toList();
  }
}
