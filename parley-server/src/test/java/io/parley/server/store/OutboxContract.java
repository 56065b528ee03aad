package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.outbox.Outbox;
import io.parley.server.outbox.Outbox.Entry;
import io.parley.server.outbox.Outbox.Job;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link Outbox} contract, run against every backend by its subclasses. */
abstract class OutboxContract extends StoreTestBase {
  private static final long NOW = 1_700_000_000_000L;
  private Outbox outbox;

  @BeforeEach
  void setUp() {
    outbox = JdbcOutbox.of(stores.database());
  }

  private static Entry e(String key, String group, long dueAt) {
    return new Entry("push", key, group, "{\"k\":\"" + key + "\"}", dueAt);
  }

  @Test
  void insertIsTransactionalAndDeduplicated() {
    outbox.enqueue(List.of(e("a", "g1", NOW), e("a", "g1", NOW), e("b", "g1", NOW)));
    outbox.enqueue(List.of(e("b", "g1", NOW)));
    assertThat(outbox.pending("push")).isEqualTo(2);
    assertThat(outbox.pending("other")).isZero();
    // a rolled-back transaction leaves no job behind
    assertThatThrownBy(
            () ->
                stores
                    .database()
                    .write(
                        c -> {
                          outbox.insert(c, List.of(e("c", "g2", NOW)));
                          throw new IllegalStateException("rollback");
                        }))
        .isInstanceOf(IllegalStateException.class);
    assertThat(outbox.pending("push")).isEqualTo(2);
  }

  @Test
  void claimTakesDueJobsWithTheirGroupMatesAndLeasesThem() {
    outbox.enqueue(
        List.of(
            e("a1", "A", NOW - 10),
            e("a2", "A", NOW + 5_000), // not due, but its group is
            e("b1", "B", NOW + 5_000), // not due, group not due
            e("c1", "C", NOW)));
    List<Job> claimed = outbox.claim("push", NOW, 10, 60_000);
    assertThat(claimed).extracting(Job::dedupeKey).containsExactlyInAnyOrder("a1", "a2", "c1");
    assertThat(claimed).allSatisfy(j -> assertThat(j.dueAt()).isEqualTo(NOW + 60_000));
    assertThat(claimed.get(0).payload()).startsWith("{\"k\":");
    // leased: nobody else gets them, even when b1 falls due
    assertThat(outbox.claim("push", NOW + 5_000, 10, 60_000))
        .extracting(Job::dedupeKey)
        .containsExactly("b1");
    // after the lease they come back (a crashed claimer)
    assertThat(outbox.claim("push", NOW + 60_000, 10, 1_000))
        .extracting(Job::dedupeKey)
        .containsExactlyInAnyOrder("a1", "a2", "c1");
  }

  @Test
  void claimHonoursTheLimitOldestFirst() {
    List<Entry> es = new ArrayList<>();
    for (int i = 0; i < 5; i++) {
      es.add(e("k" + i, "g" + i, NOW - 100 + i));
    }
    outbox.enqueue(es);
    assertThat(outbox.claim("push", NOW, 2, 60_000))
        .extracting(Job::dedupeKey)
        .containsExactly("k0", "k1");
  }

  @Test
  void completeRetryRescheduleAndDeadLetter() {
    outbox.enqueue(List.of(e("a", "A", NOW), e("b", "B", NOW), e("c", "C", NOW)));
    List<Job> jobs = outbox.claim("push", NOW, 10, 60_000);
    long a = id(jobs, "a");
    long b = id(jobs, "b");
    long c = id(jobs, "c");
    outbox.complete(List.of(a));
    outbox.retry(List.of(b), NOW + 100, "HTTP 503");
    outbox.deadLetter(List.of(c), "HTTP 400 bad");
    assertThat(outbox.pending("push")).isEqualTo(1);
    assertThat(outbox.deadLetters("push")).isEqualTo(1);
    assertThat(outbox.claim("push", NOW + 99, 10, 60_000)).isEmpty();
    Job retried = outbox.claim("push", NOW + 100, 10, 60_000).get(0);
    assertThat(retried.dedupeKey()).isEqualTo("b");
    assertThat(retried.attempts()).isEqualTo(1);
    assertThat(retried.lastError()).isEqualTo("HTTP 503");
    outbox.reschedule(List.of(b), NOW + 200);
    Job held = outbox.claim("push", NOW + 200, 10, 60_000).get(0);
    assertThat(held.attempts()).isEqualTo(1); // holding back is not an attempt
    Job dead = outbox.dead("push", 10).get(0);
    assertThat(dead.dedupeKey()).isEqualTo("c");
    assertThat(dead.attempts()).isEqualTo(1);
    assertThat(dead.lastError()).isEqualTo("HTTP 400 bad");
    // a dead job is never claimed again, and its dedupe key still blocks a re-insert
    outbox.enqueue(List.of(e("c", "C", NOW)));
    assertThat(outbox.claim("push", NOW + 1_000_000, 10, 60_000))
        .extracting(Job::dedupeKey)
        .containsExactly("b");
  }

  @Test
  void concurrentClaimersNeverGetTheSameJob() throws Exception {
    List<Entry> es = new ArrayList<>();
    for (int i = 0; i < 400; i++) {
      es.add(e("j" + i, "g" + i, NOW - 1_000 + i));
    }
    outbox.enqueue(es);
    List<List<String>> perThread =
        concurrently(
            8,
            t -> {
              List<String> mine = new ArrayList<>();
              for (int round = 0; round < 40; round++) {
                for (Job j : outbox.claim("push", NOW, 7, 600_000)) {
                  mine.add(j.dedupeKey());
                }
              }
              return mine;
            });
    Set<String> seen = new HashSet<>();
    int total = 0;
    for (List<String> l : perThread) {
      for (String k : l) {
        assertThat(seen.add(k)).as("job %s claimed twice", k).isTrue();
        total++;
      }
    }
    assertThat(total).isEqualTo(400);
  }

  private static long id(List<Job> jobs, String key) {
    return jobs.stream().filter(j -> j.dedupeKey().equals(key)).findFirst().orElseThrow().id();
  }
}
