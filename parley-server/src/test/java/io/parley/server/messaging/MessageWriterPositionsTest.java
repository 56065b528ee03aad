package io.parley.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.Position;
import io.parley.server.messaging.MessageStore.PositionUpdates;
import io.parley.server.messaging.MessageStore.RaisedPositions;
import io.parley.server.store.JdbcMessageStore;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.TestDatabases;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Receipt positions handed to the {@link MessageWriter} share the transaction of the next message
 * batch, commit alone when the writer is idle, and are written by the caller once it is closed
 * (real SQLite store; transactions counted on the database).
 */
class MessageWriterPositionsTest {
  private static final String WRITER = "parley-message-writer";
  private static final long C = 700;
  private static final long NOW = 1_700_000_000_000L;

  @Test
  void positionsRideTheNextBatchOrCommitAloneAndAfterCloseOnTheCaller() throws Exception {
    try (TestDatabases.TestDb db = TestDatabases.sqlite();
        Stores stores = db.open()) {
      stores.conversations().createGroup(C, "g", 1, List.of(2L, 3L), NOW);
      // the push hook runs inside the append transaction: hold the writer in its first batch
      CountDownLatch inFirst = new CountDownLatch(1);
      CountDownLatch release = new CountDownLatch(1);
      ((JdbcMessageStore) stores.messages())
          .setPushHook(
              (tx, inserted) -> {
                if (inserted.stream().anyMatch(m -> m.clientMsgId().equals("first"))) {
                  inFirst.countDown();
                  await(release);
                }
              });
      MessageWriter writer = new MessageWriter(stores.messages(), 64, 16);
      stores.database().countStatements(true);

      CompletableFuture<Long> first = writer.submit(msg(1, "first"), r -> r.message().seq());
      await(inFirst);
      CompletableFuture<Long> second = writer.submit(msg(1, "second"), r -> r.message().seq());
      CompletableFuture<RaisedPositions> riding =
          CompletableFuture.supplyAsync(
              () ->
                  writer.writePositions(
                      new PositionUpdates(
                          List.of(new Position(77, C, 1)),
                          List.of(new Position(2, C, 1)),
                          List.of(new Position(3, C, 1)))));
      // the second send and the positions' wake-up entry are queued behind the held batch
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> writer.queued() == 2);
      release.countDown();
      assertThat(first.get(10, TimeUnit.SECONDS)).isEqualTo(1);
      assertThat(second.get(10, TimeUnit.SECONDS)).isEqualTo(2);
      assertThat(riding.get(10, TimeUnit.SECONDS))
          .isEqualTo(
              new RaisedPositions(List.of(new Position(2, C, 1)), List.of(new Position(3, C, 1))));
      assertThat(stores.database().commits())
          .as("one transaction for the first batch, one for the second send with the positions")
          .containsExactly(WRITER, WRITER);
      assertThat(writer.transactions()).isEqualTo(2);

      // an idle writer commits positions alone, at once; lower positions change nothing
      RaisedPositions alone =
          writer.writePositions(
              new PositionUpdates(
                  List.of(new Position(77, C, 2)),
                  List.of(new Position(2, C, 2), new Position(3, C, 1)),
                  List.of()));
      assertThat(alone).isEqualTo(new RaisedPositions(List.of(new Position(2, C, 2)), List.of()));
      assertThat(stores.database().commits()).containsExactly(WRITER, WRITER, WRITER);

      writer.close();
      RaisedPositions late =
          writer.writePositions(
              new PositionUpdates(List.of(), List.of(), List.of(new Position(2, C, 2))));
      assertThat(late.read()).containsExactly(new Position(2, C, 2));
      assertThat(stores.database().commits())
          .as("after close, on the caller's thread")
          .hasSize(4)
          .last()
          .isEqualTo(Thread.currentThread().getName());
      stores.database().countStatements(false);

      assertThat(stores.messages().devicePositions(77)).containsEntry(C, 2L);
      Member m2 = stores.conversations().member(C, 2).orElseThrow();
      assertThat(List.of(m2.deliveredSeq(), m2.readSeq())).containsExactly(2L, 2L);
      Member m3 = stores.conversations().member(C, 3).orElseThrow();
      assertThat(List.of(m3.deliveredSeq(), m3.readSeq())).containsExactly(1L, 1L);
    }
  }

  private static NewMessage msg(long sender, String clientMsgId) {
    return new NewMessage(
        System.nanoTime(), C, sender, 9, clientMsgId, NOW, "{\"kind\":\"text\",\"text\":\"x\"}");
  }

  private static void await(CountDownLatch latch) {
    try {
      assertThat(latch.await(10, TimeUnit.SECONDS)).isTrue();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
