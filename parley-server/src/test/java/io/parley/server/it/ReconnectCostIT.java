package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.store.Database;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A reconnect costs what was missed, not what the user is in: a user in 1,000 conversations who
 * missed one message reconnects with a handful of store statements and frames (counted on the
 * store's connections and on a plain JDK WebSocket).
 */
class ReconnectCostIT extends SharedNode {
  private static final int CONVERSATIONS = 1000;

  @Test
  void reconnectInThousandConversationsWithOneMissedMessageIsCheap() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    List<String> groups = createGroups(bob, alice, CONVERSATIONS);

    // some history with receipts: alice writes in three groups, bob reads them while online
    JdkClient.Socket a = JdkClient.Socket.open(node.baseUrl(), alice.session().accessToken());
    for (int i = 0; i < 3; i++) {
      alice.http().sendRest(groups.get(i), "old-" + i, text("old " + i));
    }
    JdkClient.Socket b = JdkClient.Socket.open(node.baseUrl(), bob.session().accessToken());
    b.await("synced", f -> true);
    // like any client, bob acknowledges what it received (and reads the three)
    java.util.Map<String, Long> received = new java.util.HashMap<>();
    for (JsonNode f : b.frames("message")) {
      received.merge(
          f.path("message").path("conversation_id").asText(),
          f.path("message").path("seq").asLong(),
          Math::max);
    }
    assertThat(received).containsKeys(groups.get(0), groups.get(1), groups.get(2));
    for (var e : received.entrySet()) {
      String kind = groups.subList(0, 3).contains(e.getKey()) ? "read" : "delivered";
      b.send(JdkClient.position(kind, e.getKey(), e.getValue()));
    }
    long bobDevice = Long.parseLong(bob.session().deviceId());
    var messageStore = node.node().wiring().stores().messages();
    Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(20))
        .until(() -> messageStore.devicePositions(bobDevice).size() >= received.size());
    for (int i = 0; i < 3; i++) {
      String g = groups.get(i);
      a.await(
          "receipt",
          f ->
              f.path("conversation_id").asText().equals(g)
                  && f.path("status").asText().equals("read"));
    }
    b.bye();

    // one message missed while away
    String missedIn = groups.get(CONVERSATIONS / 2);
    alice.http().sendRest(missedIn, "missed", text("missed"));

    Database db = node.node().wiring().stores().database();
    db.countStatements(true);
    JdkClient.Socket b2 = JdkClient.Socket.open(node.baseUrl(), bob.session().accessToken());
    b2.await("synced", f -> true);
    db.countStatements(false);
    b2.roundTrip();
    // the connect's statements; not the writer's background search indexing (SQLite), which
    // runs between its batches whenever messages were stored, whoever connects
    List<String> statements =
        db.statements().stream()
            .filter(s -> !(s.startsWith("parley-message-writer: ") && s.contains("message_fts")))
            .toList();
    List<JsonNode> frames = b2.since(0);
    b2.bye();
    a.close();

    List<String> types = frames.stream().map(f -> f.path("type").asText()).toList();
    int synced = types.indexOf("synced");
    List<String> beforeSynced = types.subList(0, synced);
    List<JsonNode> messages = b2.frames("message");
    assertThat(messages).hasSize(1);
    assertThat(messages.getFirst().path("message").path("conversation_id").asText())
        .isEqualTo(missedIn);
    assertThat(messages.getFirst().path("message").path("client_msg_id").asText())
        .isEqualTo("missed");
    // hello, the message, at most the three read receipts that changed since the last sync
    assertThat(beforeSynced.stream().filter(t -> t.equals("receipt")).count())
        .as("receipt frames: %s", types)
        .isLessThanOrEqualTo(3);
    assertThat(beforeSynced).as("frames before synced").hasSizeLessThanOrEqualTo(1 + 1 + 3);
    // the whole connect (authentication and presence included), not only the replay
    assertThat(statements).as("statements: %s", statements).hasSizeLessThanOrEqualTo(8);
    List<String> sync =
        statements.stream()
            .filter(
                s ->
                    s.contains("device_positions")
                        || s.contains("membership_periods")
                        || s.contains("FROM messages")
                        || s.contains("receipts_synced_at"))
            .toList();
    assertThat(sync).as("replay statements: %s", statements).hasSizeLessThanOrEqualTo(5);
    System.out.printf(
        "ReconnectCostIT: %d conversations, 1 missed: %d statements (%d for the replay), %d"
            + " frames up to synced %s%n%s%n",
        CONVERSATIONS,
        statements.size(),
        sync.size(),
        synced + 1,
        types.subList(0, synced + 1),
        String.join("\n", statements));
  }

  private static List<String> createGroups(TestUser owner, TestUser member, int n)
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<String>> futures = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = "g" + i;
        futures.add(
            pool.submit(
                () -> owner.http().createGroup(name, List.of(member.id())).conversationId()));
      }
      List<String> ids = new ArrayList<>();
      for (Future<String> f : futures) {
        ids.add(f.get());
      }
      return ids;
    } finally {
      pool.shutdown();
    }
  }

  private static JsonNode text(String s) {
    return io.parley.client.Bodies.text(s);
  }
}
