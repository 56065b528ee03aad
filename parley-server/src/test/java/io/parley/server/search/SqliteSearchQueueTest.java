package io.parley.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.messaging.MessageWriter.IdleResult;
import io.parley.server.messaging.NewMessage;
import io.parley.server.store.Database;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.SqliteWithGroup;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SQLite search indexing in its own file, off the message writer: the append transaction only
 * queues messages; the queue is moved into the index file in batches (background) and fully before
 * every search, deletions follow, the index survives restarts and is rebuilt when missing or stale,
 * and the message database's write lock is never taken by indexing (real SQLite files).
 */
class SqliteSearchQueueTest {
  private static final long NOW = 1_700_000_000_000L;
  private static final long C = 600;
  private final AtomicLong ids = new AtomicLong(50_000);
  private SqliteWithGroup t;
  private Stores s;

  @BeforeEach
  void open() {
    t = new SqliteWithGroup(C, NOW);
    s = t.stores();
  }

  @AfterEach
  void close() {
    t.close();
  }

  @Test
  void appendsOnlyQueueAndASearchSeesEveryMessageStoredBeforeIt() {
    Database db = s.database();
    SqliteSearchIndex index = new SqliteSearchIndex(db);
    s.messages().append(List.of(text("alpha one"), text("alpha two"), encrypted()));
    assertThat(count(db, "message_fts_pending")).isEqualTo(3);
    assertThat(index.file().path())
        .as("the index file lies beside the message database")
        .isEqualTo(db.sqliteFile().toAbsolutePath().resolveSibling("parley-search.db"));

    assertThat(index.search(2, SearchTerms.parse("alpha"), null, null, 10).hits()).hasSize(2);
    assertThat(indexed(index)).as("the encrypted body is never indexed").isEqualTo(2);
  }

  @Test
  void batchesAreBoundedAndDeletionsFollowTheQueue() {
    Database db = s.database();
    SqliteSearchIndex index = new SqliteSearchIndex(db);
    SqliteSearchQueue queue = new SqliteSearchQueue(db, index.file(), 8);
    assertThat(queue.runOnce())
        .as("a new file: a rebuild starts")
        .isEqualTo(new IdleResult(true, true));
    assertThat(queue.runOnce()).as("no messages: it ends").isEqualTo(IdleResult.NOTHING);
    assertThat(queue.runOnce()).as("nothing queued").isEqualTo(IdleResult.NOTHING);

    List<NewMessage> many = new ArrayList<>();
    for (int i = 0; i < 8 + 5; i++) {
      many.add(text("bulk " + i));
    }
    s.messages().append(many);
    // a queued message removed before its turn (e.g. by retention) is skipped, not an error
    delete(db, queuedSeq(db, 0));
    assertThat(queue.runOnce()).isEqualTo(new IdleResult(true, true));
    assertThat(indexed(index)).isEqualTo(8 - 1);
    assertThat(queue.runOnce())
        .as("5 messages and the deletion")
        .isEqualTo(new IdleResult(true, false));
    assertThat(indexed(index)).isEqualTo(8 + 4);

    // a message deleted after it was indexed leaves the index with the next batch
    delete(db, queuedSeq(db, 1));
    assertThat(queue.runOnce()).isEqualTo(new IdleResult(true, false));
    assertThat(indexed(index)).isEqualTo(8 + 3);
    assertThat(index.search(1, SearchTerms.parse("bulk"), C, null, 50).hits()).hasSize(8 + 3);
  }

  @Test
  void lagCountsWhatTheIndexHasNotRead() {
    SqliteSearchIndex index = new SqliteSearchIndex(s.database());
    s.messages().append(List.of(text("one"), text("two")));
    assertThat(index.lag()).as("no index file yet: the whole queue").isEqualTo(2);
    index.search(1, SearchTerms.parse("one"), C, null, 1);
    assertThat(index.lag()).isZero();
    s.messages().append(List.of(text("three")));
    assertThat(index.lag()).isEqualTo(1);
  }

  @Test
  void anIdleQueueWritesNothing() throws Exception {
    SqliteSearchIndex index = new SqliteSearchIndex(s.database());
    s.messages().append(List.of(text("once")));
    index.search(1, SearchTerms.parse("once"), C, null, 1); // builds the new file
    Path wal = index.file().path().resolveSibling("parley-search.db-wal");
    long before = Files.size(wal);
    for (int i = 0; i < 5; i++) {
      assertThat(index.queue().runOnce()).isEqualTo(IdleResult.NOTHING);
    }
    assertThat(Files.size(wal)).as("no frames written, nothing to sync").isEqualTo(before);
    s.messages().append(List.of(text("twice")));
    assertThat(index.queue().runOnce()).isEqualTo(new IdleResult(true, false));
    assertThat(Files.size(wal)).isGreaterThan(before);
  }

  @Test
  void theMessageWriterDropsReadQueueRowsInBoundedPiecesAndIdsNeverRestart() {
    Database db = s.database();
    SqliteSearchIndex index = new SqliteSearchIndex(db);
    SqliteSearchQueue queue = index.queue();
    int n = SqliteSearchQueue.TRUNCATE_MAX + SqliteSearchQueue.TRUNCATE_EVERY + 10;
    List<NewMessage> many = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      many.add(text("early " + i));
    }
    s.messages().append(many);
    assertThat(queue.truncate()).as("nothing indexed yet").isEqualTo(IdleResult.NOTHING);
    index.search(1, SearchTerms.parse("early"), C, null, 1);
    assertThat(queue.truncate()).as("a bounded piece").isEqualTo(new IdleResult(true, true));
    assertThat(count(db, "message_fts_pending")).isEqualTo(n - SqliteSearchQueue.TRUNCATE_MAX);
    assertThat(queue.truncate()).isEqualTo(new IdleResult(true, false));
    assertThat(count(db, "message_fts_pending")).as("the last row stays").isEqualTo(1);
    assertThat(queue.truncate()).as("nothing new").isEqualTo(IdleResult.NOTHING);

    s.messages().append(List.of(text("late arrival")));
    assertThat(index.search(1, SearchTerms.parse("arrival"), C, null, 10).hits()).hasSize(1);
    assertThat(indexed(index)).isEqualTo(n + 1);
  }

  @Test
  void queuedMessagesSurviveARestartAndAreFoundAfterIt() {
    new SqliteSearchIndex(s.database()).search(1, SearchTerms.parse("x"), C, null, 1);
    s.messages().append(List.of(text("persistent zebra")));
    s = t.reopen();
    SearchPage page =
        new SqliteSearchIndex(s.database()).search(1, SearchTerms.parse("zebra"), C, null, 10);
    assertThat(page.hits()).hasSize(1);
  }

  @Test
  void aMissingIndexFileIsRebuiltFromTheMessages() throws Exception {
    SqliteSearchIndex index = new SqliteSearchIndex(s.database());
    s.messages().append(List.of(text("kept in messages"), text("also kept")));
    assertThat(index.search(1, SearchTerms.parse("kept"), C, null, 10).hits()).hasSize(2);
    Path file = index.file().path();
    s.database().close(); // closes the index file too
    for (String suffix : new String[] {"", "-wal", "-shm"}) {
      Files.deleteIfExists(file.resolveSibling(file.getFileName() + suffix));
    }
    s = t.reopen();
    index = new SqliteSearchIndex(s.database());
    assertThat(index.search(1, SearchTerms.parse("kept"), C, null, 10).hits()).hasSize(2);
  }

  @Test
  void aRebuildGoesInPiecesResumesAfterARestartAndMissesNothingStoredMeanwhile() {
    Database db = s.database();
    List<NewMessage> old = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      old.add(text("old " + i));
    }
    s.messages().append(old);
    SqliteSearchIndex index = new SqliteSearchIndex(db);
    SqliteSearchQueue queue = new SqliteSearchQueue(db, index.file(), 8);
    assertThat(queue.runOnce()).as("starts").isEqualTo(new IdleResult(true, true));
    assertThat(queue.runOnce()).as("messages 1-8").isEqualTo(new IdleResult(true, true));
    assertThat(indexed(index)).isEqualTo(8);

    // meanwhile a new message, and the deletion of one the rebuild has indexed
    s.messages().append(List.of(text("new arrival")));
    delete(db, 1);
    s = t.reopen();
    db = s.database();
    index = new SqliteSearchIndex(db);
    queue = new SqliteSearchQueue(db, index.file(), 8);
    assertThat(indexed(index)).as("resumed, not started over").isEqualTo(8);
    assertThat(queue.runOnce()).as("messages 9-16").isEqualTo(new IdleResult(true, true));
    assertThat(indexed(index)).isEqualTo(16);

    assertThat(index.search(1, SearchTerms.parse("old"), C, null, 50).hits()).hasSize(19);
    assertThat(index.search(1, SearchTerms.parse("arrival"), C, null, 50).hits()).hasSize(1);
    assertThat(indexed(index)).as("each message once").isEqualTo(19 + 1);
    assertThat(index.lag()).isZero();
  }

  @Test
  void anIndexAheadOfTheQueueIsRebuilt() {
    SqliteSearchIndex index = new SqliteSearchIndex(s.database());
    s.messages().append(List.of(text("real words")));
    index.search(1, SearchTerms.parse("real"), C, null, 10);
    // as if the message database were restored from a backup older than the index
    index
        .file()
        .write(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "INSERT INTO message_fts (rowid, text, conv, conversation_id, seq)"
                          + " VALUES (1, 'phantom words', 'c600', 600, 99)")) {
                ps.executeUpdate();
              }
              try (PreparedStatement ps =
                  c.prepareStatement("UPDATE search_state SET indexed = 1000000")) {
                return ps.executeUpdate();
              }
            });
    s = t.reopen();
    index = new SqliteSearchIndex(s.database());
    assertThat(index.search(1, SearchTerms.parse("words"), C, null, 10).hits())
        .extracting(h -> h.message().bodyJson())
        .containsExactly("{\"kind\":\"text\",\"text\":\"real words\"}");
  }

  @Test
  void indexingNeverHoldsTheMessageDatabasesWriteLock() throws Exception {
    SqliteSearchIndex index = new SqliteSearchIndex(s.database());
    s.messages().append(List.of(text("first")));
    assertThat(index.search(1, SearchTerms.parse("first"), C, null, 10).hits()).hasSize(1);
    // threads of its own: the common pool may have a single worker on a small machine
    java.util.concurrent.ExecutorService threads =
        java.util.concurrent.Executors.newFixedThreadPool(2);
    CountDownLatch inside = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    // an indexing transaction that has read the queue and written the index, held open
    CompletableFuture<Object> held =
        CompletableFuture.supplyAsync(
            () ->
                index
                    .file()
                    .write(
                        c -> {
                          try (java.sql.Statement st = c.createStatement()) {
                            st.executeUpdate(
                                "INSERT INTO message_fts (rowid, text, conv, conversation_id, seq)"
                                    + " VALUES (999999, 'held', 'c600', 600, 99)");
                            st.executeQuery("SELECT count(*) FROM msg.message_fts_pending").close();
                          }
                          inside.countDown();
                          try {
                            release.await(10, TimeUnit.SECONDS);
                          } catch (InterruptedException e) {
                            Thread.currentThread().interrupt();
                          }
                          return null;
                        }),
            threads);
    try {
      assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();
      CompletableFuture<Object> append =
          CompletableFuture.supplyAsync(
              () -> {
                s.messages().append(List.of(text("second")));
                return null;
              },
              threads);
      append.get(5, TimeUnit.SECONDS); // would time out if indexing held the message db's lock
    } finally {
      release.countDown();
      held.get(10, TimeUnit.SECONDS);
      threads.shutdown();
    }
    assertThat(index.search(1, SearchTerms.parse("second"), C, null, 10).hits()).hasSize(1);
  }

  private void delete(Database db, long seq) {
    db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM messages WHERE conversation_id = ? AND seq = ?")) {
            ps.setLong(1, C);
            ps.setLong(2, seq);
            return ps.executeUpdate();
          }
        });
  }

  /** The seq of the {@code n}-th message queued for indexing (the queue's order, not seq's). */
  private static long queuedSeq(Database db, int n) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
                  c.prepareStatement(
                      "SELECT seq FROM message_fts_pending WHERE message_id IS NULL"
                          + " ORDER BY id LIMIT 1 OFFSET "
                          + n);
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  private NewMessage text(String words) {
    long id = ids.incrementAndGet();
    return new NewMessage(
        id, C, 1, 9, "k" + id, NOW, "{\"kind\":\"text\",\"text\":\"" + words + "\"}");
  }

  private NewMessage encrypted() {
    long id = ids.incrementAndGet();
    return new NewMessage(
        id, C, 1, 9, "k" + id, NOW, "{\"kind\":\"encrypted\",\"ciphertext\":\"YWxwaGE=\"}");
  }

  private static long indexed(SqliteSearchIndex index) {
    return index.file().read(c -> countOn(c, "message_fts"));
  }

  private static long count(Database db, String table) {
    return db.read(c -> countOn(c, table));
  }

  private static long countOn(java.sql.Connection c, String table) throws java.sql.SQLException {
    try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table);
        ResultSet rs = ps.executeQuery()) {
      rs.next();
      return rs.getLong(1);
    }
  }
}
