package io.parley.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.messaging.MessageWriter.IdleResult;
import io.parley.server.testsupport.SqliteWithGroup;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The writer's commit window gathers sends that arrive within it into one commit, and its idle work
 * runs on the writer thread between batches (real SQLite store).
 */
class MessageWriterWindowTest {
  private static final long C = 800;
  private static final long NOW = 1_700_000_000_000L;
  private SqliteWithGroup db;
  private MessageWriter writer;

  @BeforeEach
  void open() {
    db = new SqliteWithGroup(C, NOW);
    writer = new MessageWriter(db.stores().messages(), 64, 64);
  }

  @AfterEach
  void close() {
    writer.close();
    db.close();
  }

  @Test
  void sendsArrivingWithinTheWindowShareOneCommit() throws Exception {
    // a window far longer than the submits below take, so the test cannot race it
    writer.setCommitWindow(TimeUnit.MILLISECONDS.toNanos(500));
    List<CompletableFuture<Long>> seqs = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      seqs.add(writer.submit(msg("w" + i), r -> r.message().seq()));
    }
    for (int i = 0; i < 5; i++) {
      assertThat(seqs.get(i).get(10, TimeUnit.SECONDS)).isEqualTo(i + 1);
    }
    assertThat(writer.transactions()).as("one commit for the five").isEqualTo(1);

    // without a window, a send alone is committed at once (its own transaction)
    writer.setCommitWindow(0);
    long t0 = System.nanoTime();
    assertThat(writer.submit(msg("alone"), r -> r.message().seq()).get(10, TimeUnit.SECONDS))
        .isEqualTo(6);
    assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.MILLISECONDS.toNanos(450));
    assertThat(writer.transactions()).isEqualTo(2);
  }

  @Test
  void idleWorkRunsOnTheWriterThreadAfterCommitsAndAgainAtOnceWhileItHasMore() {
    AtomicInteger runs = new AtomicInteger();
    Set<String> threads = ConcurrentHashMap.newKeySet();
    writer.setIdleWork(
        () -> {
          threads.add(Thread.currentThread().getName());
          int n = runs.incrementAndGet();
          // the first ten pieces report more work: they run back to back, then once per period
          return new IdleResult(n % 2 == 0, n < 10);
        });
    // due once a message is committed, then back to back while it reports more
    writer.submit(msg("first"), r -> r.message().seq()).join();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 10);
    assertThat(writer.transactions()).as("the message's commit and 5 pieces").isEqualTo(6);
    // nothing stored since: it does not run again
    Awaitility.await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(runs.get()).isEqualTo(10);
    // a committed message makes it due again
    writer.submit(msg("m"), r -> r.message().seq()).join();
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> runs.get() >= 11);
    assertThat(threads).containsExactly("parley-message-writer");
  }

  @Test
  void idleWorkThatWaitsIsAskedAgainEveryPeriodWithoutNewCommits() {
    AtomicInteger runs = new AtomicInteger();
    AtomicBoolean busy = new AtomicBoolean(true);
    AtomicInteger pieces = new AtomicInteger();
    long[] now = {0};
    writer.setIdleWork(
        new YieldingIdleWork(
            () -> {
              runs.incrementAndGet();
              pieces.incrementAndGet();
              return new IdleResult(true, false);
            },
            busy::get,
            TimeUnit.SECONDS.toNanos(30),
            () -> now[0]));
    writer.submit(msg("first"), r -> r.message().seq()).join();
    // busy: the work is not run, but it is asked again (every idle period), with nothing committed
    Awaitility.await().pollDelay(Duration.ofMillis(300)).until(() -> true);
    assertThat(pieces.get()).isZero();
    busy.set(false);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pieces.get() == 1);
    // busy for longer than the longest wait: it runs anyway
    busy.set(true);
    writer.submit(msg("second"), r -> r.message().seq()).join();
    Awaitility.await().pollDelay(Duration.ofMillis(200)).until(() -> true);
    assertThat(pieces.get()).isEqualTo(1);
    now[0] += TimeUnit.SECONDS.toNanos(31);
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pieces.get() == 2);
  }

  private static NewMessage msg(String clientMsgId) {
    return new NewMessage(
        System.nanoTime(), C, 1, 9, clientMsgId, NOW, "{\"kind\":\"text\",\"text\":\"x\"}");
  }
}
