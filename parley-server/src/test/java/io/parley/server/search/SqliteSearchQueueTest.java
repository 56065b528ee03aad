package io.parley.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.messaging.MessageWriter.IdleResult;
import io.parley.server.messaging.NewMessage;
import io.parley.server.store.Database;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.SqliteWithGroup;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * SQLite search indexing off the group commit: the append transaction only queues messages; the
 * queue is moved into FTS5 in bounded pieces (writer idle work) and fully before every search, and
 * survives a restart (real SQLite files).
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
    s.messages().append(List.of(text("alpha one"), text("alpha two"), encrypted()));
    assertThat(count(db, "message_fts")).as("nothing indexed in the append").isZero();
    assertThat(count(db, "message_fts_pending")).isEqualTo(3);

    SqliteSearchIndex index = new SqliteSearchIndex(db);
    assertThat(index.search(2, SearchTerms.parse("alpha"), null, null, 10).hits()).hasSize(2);
    assertThat(count(db, "message_fts_pending")).isZero();
    assertThat(count(db, "message_fts")).as("the encrypted body is never indexed").isEqualTo(2);
  }

  @Test
  void idleWorkTakesBoundedPiecesAndSkipsMessagesDeletedMeanwhile() {
    Database db = s.database();
    SqliteSearchQueue queue = new SqliteSearchQueue(db);
    assertThat(queue.runOnce()).as("nothing queued: no transaction").isEqualTo(IdleResult.NOTHING);

    List<NewMessage> many = new ArrayList<>();
    for (int i = 0; i < SqliteSearchQueue.PIECE + 5; i++) {
      many.add(text("bulk " + i));
    }
    s.messages().append(many);
    // a queued message removed before its turn (e.g. by retention) is skipped, not an error
    db.write(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("DELETE FROM messages WHERE conversation_id = ? AND seq = 1")) {
            ps.setLong(1, C);
            return ps.executeUpdate();
          }
        });
    assertThat(queue.runOnce()).isEqualTo(new IdleResult(true, true));
    assertThat(count(db, "message_fts_pending")).isEqualTo(5);
    assertThat(count(db, "message_fts")).isEqualTo(SqliteSearchQueue.PIECE - 1);
    assertThat(queue.runOnce()).isEqualTo(new IdleResult(true, false));
    assertThat(count(db, "message_fts_pending")).isZero();
    assertThat(count(db, "message_fts")).isEqualTo(SqliteSearchQueue.PIECE + 4);
  }

  @Test
  void queuedMessagesSurviveARestartAndAreFoundAfterIt() {
    s.messages().append(List.of(text("persistent zebra")));
    s = t.reopen();
    assertThat(count(s.database(), "message_fts_pending")).isEqualTo(1);
    SearchPage page =
        new SqliteSearchIndex(s.database()).search(1, SearchTerms.parse("zebra"), C, null, 10);
    assertThat(page.hits()).hasSize(1);
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

  private static long count(Database db, String table) {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM " + table);
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }
}
