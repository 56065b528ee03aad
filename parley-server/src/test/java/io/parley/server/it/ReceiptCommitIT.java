package io.parley.server.it;

import static io.parley.server.it.JdkClient.position;
import static io.parley.server.it.JdkClient.sendTo;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.Wiring;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.store.Database;
import io.parley.server.testsupport.TestDatabases;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Receipts and device positions ride the writer's message transactions: while many clients send
 * messages and delivered/read receipts at once, every write transaction is the group-commit
 * writer's, one per writer batch, never one per receipt kind and flush (counted on the store). On
 * SQLite and PostgreSQL; driven by plain JDK WebSockets.
 */
class ReceiptCommitIT {
  private static final String WRITER = "parley-message-writer";
  private static final int PAIRS = 4;
  private static final int ROUNDS = 40;

  @Test
  void messagesAndReceiptsShareTheWritersCommitsOnSqlite() {
    try (TestNode node = TestNode.start()) {
      sendAndAcknowledge(node);
    }
  }

  @Test
  void messagesAndReceiptsShareTheWritersCommitsOnPostgres() {
    try (TestDatabases.TestDb db = TestDatabases.postgres();
        TestNode node = TestNode.start(db.postgresNodeSettings())) {
      sendAndAcknowledge(node);
    }
  }

  private static void sendAndAcknowledge(TestNode node) {
    List<TestUser> users = new ArrayList<>();
    List<JdkClient.Socket> sockets = new ArrayList<>();
    for (int i = 0; i < 2 * PAIRS; i++) {
      TestUser u = node.user("rc" + i);
      users.add(u);
      sockets.add(JdkClient.Socket.open(node.baseUrl(), u.session().accessToken()));
    }
    for (JdkClient.Socket s : sockets) {
      s.await("synced", f -> true);
    }
    Wiring wiring = node.node().wiring();
    Database db = wiring.stores().database();
    long tx0 = wiring.writer().transactions();
    long flushes0 = wiring.receipts().flushes();
    db.countStatements(true);

    // everyone sends to its partner while acknowledging (delivered, every 4th round read) what it
    // has received so far: messages and receipts from 8 clients interleave on the server
    for (int r = 0; r < ROUNDS; r++) {
      for (int i = 0; i < users.size(); i++) {
        sockets.get(i).send(sendTo(users.get(i ^ 1).id(), "m" + r));
      }
      for (JdkClient.Socket s : sockets) {
        acknowledge(s, r % 4 == 3 ? "read" : "delivered");
      }
    }
    // all sends acked: each pair's conversation holds 2 * ROUNDS messages; both read them all
    for (JdkClient.Socket s : sockets) {
      JsonNode last =
          s.await("ack", f -> f.path("client_msg_id").asText().equals("m" + (ROUNDS - 1)));
      s.send(position("read", last.path("conversation_id").asText(), 2 * ROUNDS));
    }
    // every sender sees its partner's final read receipt: positions committed, receipts out
    for (int i = 0; i < sockets.size(); i++) {
      String partner = users.get(i ^ 1).id();
      sockets
          .get(i)
          .await(
              "receipt",
              f ->
                  f.path("user_id").asText().equals(partner)
                      && f.path("status").asText().equals("read")
                      && f.path("seq").asLong() == 2 * ROUNDS);
    }
    List<String> commits = db.commits();
    db.countStatements(false);
    long transactions = wiring.writer().transactions() - tx0;
    long flushes = wiring.receipts().flushes() - flushes0;
    sockets.forEach(JdkClient.Socket::close);

    int messages = 2 * PAIRS * ROUNDS;
    // no receipt flush, worker or idle push poll took a write transaction of its own
    assertThat(commits).as("threads that committed").containsOnly(WRITER);
    assertThat(commits).as("commits = writer batches").hasSize((int) transactions);
    assertThat(flushes).as("receipt flushes with positions").isPositive();
    // the bound of the old path was (message batches) + up to 3 per flush; now a flush can add at
    // most one transaction (when no message batch was there to carry it)
    assertThat(transactions).isLessThanOrEqualTo(messages + flushes);
    System.out.printf(
        "ReceiptCommitIT(%s): %d messages, %d receipt flushes, %d write transactions%n",
        db.dialect(), messages, flushes, commits.size());
  }

  /** Sends {@code kind} for the highest seq received so far in each conversation. */
  private static void acknowledge(JdkClient.Socket s, String kind) {
    Map<String, Long> highest = new HashMap<>();
    for (JsonNode f : s.frames("message")) {
      highest.merge(
          f.path("message").path("conversation_id").asText(),
          f.path("message").path("seq").asLong(),
          Math::max);
    }
    highest.forEach((conv, seq) -> s.send(position(kind, conv, seq)));
  }
}
