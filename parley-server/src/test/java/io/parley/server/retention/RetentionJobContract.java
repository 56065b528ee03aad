package io.parley.server.retention;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.protocol.Json;
import io.parley.server.messaging.NewMessage;
import io.parley.server.messaging.StoredMessage;
import io.parley.server.retention.RetentionListener.PurgedMessage;
import io.parley.server.search.SearchIndex;
import io.parley.server.search.SearchTerms;
import io.parley.server.search.SearchWiring;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.ManualClock;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** {@link RetentionJob} on {@link RetentionStore}, run against every backend by its subclasses. */
abstract class RetentionJobContract {
  private static final long DAY = 86_400_000L;
  private static final long A = 1;
  private static final long B = 2;
  private static final long C1 = 600;
  private static final long C2 = 601;

  private final AtomicLong ids = new AtomicLong(50_000);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  private TestDb testDb;
  private Stores stores;
  private RetentionStore store;
  private SearchIndex search;

  protected abstract TestDb newDatabase();

  @BeforeEach
  void open() {
    testDb = newDatabase();
    stores = testDb.open();
    store = new RetentionStore(stores.database());
    search = SearchWiring.index(stores.database());
    stores.conversations().createGroup(C1, "one", A, List.of(B), now());
    stores.conversations().createGroup(C2, "two", A, List.of(B), now());
  }

  @AfterEach
  void close() {
    try {
      stores.close();
    } finally {
      testDb.close();
    }
  }

  @Test
  void deletesMessagesOlderThanTheRetentionInBoundedBatches() throws Exception {
    List<StoredMessage> old = new ArrayList<>();
    for (int i = 0; i < 10; i++) {
      old.add(send(C1, now() - 40 * DAY + i, "archive " + i));
    }
    StoredMessage recent = send(C1, now() - 10 * DAY, "archive recent");
    StoredMessage fresh = send(C2, now() - 40 * DAY + 1, "other conversation");
    assertThat(store.setRetentionDays(C1, 30)).isTrue();
    RetentionJob job = new RetentionJob(store, clock, 0, 3, 0);
    List<List<PurgedMessage>> batches = new ArrayList<>();
    job.addListener((conversationId, messages) -> batches.add(messages));

    assertThat(job.runOnce()).isEqualTo(10);

    assertThat(batches).extracting(List::size).containsExactly(3, 3, 3, 1);
    assertThat(batches.stream().flatMap(List::stream).map(PurgedMessage::messageId))
        .containsExactlyElementsOf(old.stream().map(StoredMessage::messageId).toList());
    assertThat(batches.getFirst().getFirst().bodyJson()).isEqualTo(old.getFirst().bodyJson());
    assertThat(stores.messages().range(C1, 0, Long.MAX_VALUE, 100, false)).containsExactly(recent);
    assertThat(stores.messages().last(C1)).contains(recent);
    assertThat(stores.messages().range(C2, 0, Long.MAX_VALUE, 100, false))
        .as("C2 has no retention and the deployment none either")
        .containsExactly(fresh);
    assertThat(search.search(A, SearchTerms.parse("archive"), null, null, 50).hits())
        .extracting(h -> h.message().messageId())
        .containsExactly(recent.messageId());
    assertThat(stores.conversations().find(C1).orElseThrow().lastSeq())
        .as("seqs are never reused")
        .isEqualTo(11);
    assertThat(job.runOnce()).isZero();

    clock.advance(Duration.ofDays(21));
    assertThat(job.runOnce()).isEqualTo(1);
    assertThat(stores.messages().range(C1, 0, Long.MAX_VALUE, 100, false)).isEmpty();
    assertThat(stores.messages().last(C1)).isEmpty();
    assertThat(stores.messages().countUnread(C1, B, 0)).isZero();
  }

  @Test
  void theShorterOfDeploymentAndConversationRetentionApplies() throws Exception {
    StoredMessage c1Mid = send(C1, now() - 20 * DAY, "twenty days");
    StoredMessage c1Old = send(C1, now() - 40 * DAY, "forty days");
    StoredMessage c2Mid = send(C2, now() - 20 * DAY, "twenty days");
    send(C2, now() - 40 * DAY, "forty days");
    StoredMessage c2New = send(C2, now() - DAY, "yesterday");
    store.setRetentionDays(C2, 7);
    store.setRetentionDays(C1, 90);
    RetentionJob job = new RetentionJob(store, clock, 30, 1000, 0);
    assertThat(job.effectiveDays(0)).isEqualTo(30);
    assertThat(job.effectiveDays(7)).isEqualTo(7);
    assertThat(job.effectiveDays(90)).isEqualTo(30);
    assertThat(new RetentionJob(store, clock, 0, 10, 0).effectiveDays(0)).isZero();

    // C1: 90 days of its own, capped at the deployment's 30; C2: 7 days
    job.runOnce();
    assertThat(stores.messages().range(C1, 0, Long.MAX_VALUE, 100, false))
        .containsExactly(c1Mid)
        .doesNotContain(c1Old);
    assertThat(stores.messages().range(C2, 0, Long.MAX_VALUE, 100, false))
        .containsExactly(c2New)
        .doesNotContain(c2Mid);
  }

  @Test
  void runsOnItsSchedule() {
    send(C1, now() - 10 * DAY, "expired");
    StoredMessage kept = send(C1, now(), "kept");
    try (RetentionJob job = new RetentionJob(store, clock, 7, 100, 0)) {
      job.start(20);
      await()
          .atMost(Duration.ofSeconds(10))
          .untilAsserted(
              () ->
                  assertThat(stores.messages().range(C1, 0, Long.MAX_VALUE, 10, false))
                      .containsExactly(kept));
      assertThat(job.purgedTotal()).isEqualTo(1);
    }
  }

  @Test
  void retentionSettingIsStored() {
    assertThat(store.retentionDays(C1)).hasValue(0);
    assertThat(store.setRetentionDays(C1, 14)).isTrue();
    assertThat(store.retentionDays(C1)).hasValue(14);
    assertThat(store.setRetentionDays(999, 14)).isFalse();
    assertThat(store.retentionDays(999)).isEmpty();
  }

  private long now() {
    return clock.millis();
  }

  private StoredMessage send(long conversation, long ts, String text) {
    long id = ids.incrementAndGet();
    return stores
        .messages()
        .append(
            List.of(
                new NewMessage(
                    id,
                    conversation,
                    A,
                    10,
                    "r" + id,
                    ts,
                    Json.write(Map.of("kind", "text", "text", text)))))
        .getFirst()
        .message();
  }
}
