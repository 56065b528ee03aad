package io.parley.server.conversation.model;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

class LongTableTest {

  @Test
  void storesReplacesAndRemovesEntriesOfOneOrTwoKeyWords() {
    LongTable pairs = new LongTable(1, 2, 1_000);
    long[] out = new long[2];
    assertThat(pairs.get(7, 0, out)).isFalse();
    assertThat(pairs.contains(7, 0)).isFalse();
    pairs.put(7, 0, 1, 2);
    assertThat(pairs.get(7, 0, out)).isTrue();
    assertThat(pairs.contains(7, 0)).isTrue();
    assertThat(pairs.get(7, 0, 1, -1)).isEqualTo(2);
    assertThat(out).containsExactly(1, 2);
    pairs.put(7, 0, 3, 4);
    assertThat(pairs.get(7, 0, out)).isTrue();
    assertThat(out).containsExactly(3, 4);
    assertThat(pairs.size()).isEqualTo(1);
    assertThat(pairs.remove(7, 0)).isTrue();
    assertThat(pairs.remove(7, 0)).isFalse();
    assertThat(pairs.get(7, 0, out)).isFalse();
    assertThat(pairs.contains(7, 0)).isFalse();

    LongTable directs = new LongTable(2, 1, 1_000);
    directs.put(10, 20, 99);
    assertThat(directs.get(10, 20, 0, -1)).isEqualTo(99);
    assertThat(directs.get(20, 10, 0, -1)).isEqualTo(-1); // the key is ordered
    assertThat(directs.get(10, 21, 0, -1)).isEqualTo(-1);
  }

  @Test
  void putMaxNeverLowersAValue() {
    LongTable seqs = new LongTable(1, 1, 1_000);
    assertThat(seqs.putMax(5, 0, 3)).isEqualTo(3);
    assertThat(seqs.putMax(5, 0, 2)).isEqualTo(3);
    assertThat(seqs.putMax(5, 0, 9)).isEqualTo(9);
    assertThat(seqs.get(5, 0, 0, -1)).isEqualTo(9);
    assertThat(seqs.putMax(6, 0, 0)).isZero(); // a new entry may hold 0
    assertThat(seqs.get(6, 0, 0, -1)).isZero();
  }

  @Test
  void keyZeroIsNeverStored() {
    LongTable t = new LongTable(1, 1, 1_000);
    t.put(0, 0, 5);
    assertThat(t.get(0, 0, 0, -1)).isEqualTo(-1);
    assertThat(t.size()).isZero();
  }

  @Test
  void agreesWithAHashMapOverRandomOperationsOnSnowflakeLikeKeys() {
    // keys that share their low bits, as Snowflake ids of one node do, collide in naive hashing;
    // many removals exercise the backward shift of probe runs
    LongTable t = new LongTable(2, 1, 1_000_000);
    Map<List<Long>, Long> reference = new HashMap<>();
    SplittableRandom r = new SplittableRandom(42);
    long[] ids = new long[3_000];
    for (int i = 0; i < ids.length; i++) {
      ids[i] = ((1_000_000L + i * 3L) << 22) | (7L << 12) | (i % 3);
    }
    for (int op = 0; op < 200_000; op++) {
      long a = ids[r.nextInt(ids.length)];
      long b = ids[r.nextInt(ids.length)];
      List<Long> key = List.of(a, b);
      switch (r.nextInt(4)) {
        case 0, 1 -> {
          long v = r.nextLong(1, Long.MAX_VALUE);
          t.put(a, b, v);
          reference.put(key, v);
        }
        case 2 -> assertThat(t.remove(a, b)).isEqualTo(reference.remove(key) != null);
        default -> assertThat(t.get(a, b, 0, -1)).isEqualTo(reference.getOrDefault(key, -1L));
      }
    }
    assertThat(t.size()).isEqualTo(reference.size());
    for (Map.Entry<List<Long>, Long> e : reference.entrySet()) {
      assertThat(t.get(e.getKey().get(0), e.getKey().get(1), 0, -1)).isEqualTo(e.getValue());
    }
  }

  @Test
  void staysBoundedByForgettingOneStripeAtATime() {
    LongTable t = new LongTable(1, 1, 6_400); // 100 entries per stripe
    for (long k = 1; k <= 100_000; k++) {
      t.put(k, 0, k);
    }
    assertThat(t.size()).isLessThanOrEqualTo(6_400);
    // a stripe is emptied only when it is full: most of what was stored last is still there
    int kept = 0;
    for (long k = 99_001; k <= 100_000; k++) {
      if (t.get(k, 0, 0, -1) == k) {
        kept++;
      }
    }
    assertThat(kept).isGreaterThan(500);
    t.clear();
    assertThat(t.size()).isZero();
    assertThat(t.get(100_000, 0, 0, -1)).isEqualTo(-1);
  }

  @Test
  void readersNeverSeeATornOrForeignEntryWhileWritersGrowAndShrinkTheTable() throws Exception {
    // every value is derived from its key, so a torn or misplaced read shows as a mismatch
    LongTable t = new LongTable(2, 2, 1_000_000);
    AtomicBoolean stop = new AtomicBoolean();
    ExecutorService pool = Executors.newFixedThreadPool(4);
    CountDownLatch start = new CountDownLatch(1);
    List<CompletableFuture<Long>> tasks = new ArrayList<>();
    try {
      for (int w = 0; w < 2; w++) {
        long seed = w;
        tasks.add(
            CompletableFuture.supplyAsync(
                () -> {
                  await(start);
                  SplittableRandom r = new SplittableRandom(seed);
                  long ops = 0;
                  for (int i = 0; i < 300_000; i++, ops++) {
                    long k = 1L + r.nextInt(20_000);
                    if (r.nextInt(3) == 0) {
                      t.remove(k, k * 31);
                    } else {
                      t.put(k, k * 31, k * 7, k * 11);
                    }
                  }
                  stop.set(true);
                  return ops;
                },
                pool));
      }
      for (int rd = 0; rd < 2; rd++) {
        long seed = 100L + rd;
        tasks.add(
            CompletableFuture.supplyAsync(
                () -> {
                  await(start);
                  SplittableRandom r = new SplittableRandom(seed);
                  long[] out = new long[2];
                  long bad = 0;
                  while (!stop.get()) {
                    long k = 1L + r.nextInt(20_000);
                    if (t.get(k, k * 31, out) && (out[0] != k * 7 || out[1] != k * 11)) {
                      bad++;
                    }
                  }
                  return bad;
                },
                pool));
      }
      start.countDown();
      CompletableFuture.allOf(tasks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
      assertThat(tasks.get(2).join()).isZero();
      assertThat(tasks.get(3).join()).isZero();
    } finally {
      pool.shutdownNow();
    }
  }

  private static void await(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }
}
