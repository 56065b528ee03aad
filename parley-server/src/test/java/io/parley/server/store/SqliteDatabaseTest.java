package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.messaging.NewMessage;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.ResultSet;
import java.sql.Statement;
import java.util.List;
import org.junit.jupiter.api.Test;

/** SQLite specifics: durability pragmas, read-only readers, persistence across reopen. */
class SqliteDatabaseTest {

  @Test
  void connectionsAreDurableWalWithForeignKeysAndReadersAreReadOnly() {
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      Database db = s.database();
      assertThat(db.dialect()).isEqualTo(Database.Dialect.SQLITE);
      assertThat(Files.exists(Path.of(t.config().dataDir(), t.config().sqliteFile()))).isTrue();
      assertThat(pragma(db, "journal_mode")).isEqualTo("wal");
      assertThat(pragma(db, "synchronous")).isEqualTo("2"); // FULL
      assertThat(pragma(db, "foreign_keys")).isEqualTo("1");
      assertThat(Long.parseLong(pragma(db, "busy_timeout"))).isPositive();
      assertThatThrownBy(
              () ->
                  db.read(
                      c -> {
                        try (Statement st = c.createStatement()) {
                          return st.executeUpdate("DELETE FROM users");
                        }
                      }))
          .isInstanceOf(StoreException.class);
    }
  }

  @Test
  void dataSurvivesReopenAndMigrationsAreIdempotent() {
    try (TestDb t = TestDatabases.sqlite()) {
      try (Stores s = t.open()) {
        s.conversations().createGroup(1, "g", 1, List.of(2L), 0);
        s.messages().append(List.of(new NewMessage(10, 1, 1, 1, "a", 0, "{}")));
      }
      try (Stores s = t.open()) {
        assertThat(s.conversations().find(1).orElseThrow().lastSeq()).isEqualTo(1);
        assertThat(s.messages().findByClientMsgId(1, "a")).isPresent();
      }
    }
  }

  @Test
  void theWriteAheadLogStaysBoundedUnderContinuousWrites() throws Exception {
    // SqliteCheckpointer copies the log back on another connection, which never rewinds it while
    // the writer keeps appending (seen without a safety net: 1.4 GB in 90 s at 4,000 msg/s); the
    // writer's own checkpoint at WRITER_SAFETY_NET_PAGES finds the log copied and rewinds it
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      Path wal = walOf(t);
      s.conversations().createGroup(1, "g", 1, List.of(2L), 0);
      long id = 100;
      long largest = 0;
      for (int batch = 0; batch < 600; batch++, id += 20) {
        s.messages().append(textMessages(id, 20, 2000));
        largest = Math.max(largest, Files.size(wal));
      }
      // 12,000 messages of 2 KB: about 70 MB of log frames went through the log
      long netBytes = SqliteCheckpointer.WRITER_SAFETY_NET_PAGES * 4096L;
      assertThat(largest).isLessThan(netBytes + 4L * 1024 * 1024);
      assertThat(s.messages().findByClientMsgId(1, "c" + (id - 1))).isPresent();
    }
  }

  @Test
  void theCheckpointThreadRewindsTheLogBeforeTheWritersSafetyNetIsReached() throws Exception {
    // a writer committing every 2 ms, as under load: the checkpoint thread repeats its
    // checkpoint until the log is fully copied, so a later commit rewinds it long before the
    // writer's own checkpoint (which stalled every send behind it) would be needed
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      Path wal = walOf(t);
      s.conversations().createGroup(1, "g", 1, List.of(2L), 0);
      long netBytes = SqliteCheckpointer.WRITER_SAFETY_NET_PAGES * 4096L;
      long[] id = {100};
      long[] largest = {0};
      // each message fills at least a page of its own: three times the safety net in all
      long batches = 3 * SqliteCheckpointer.WRITER_SAFETY_NET_PAGES / 10;
      java.util.concurrent.CompletableFuture<Void> done =
          new java.util.concurrent.CompletableFuture<>();
      var pacer = java.util.concurrent.Executors.newSingleThreadScheduledExecutor();
      try {
        long[] written = {0};
        var unused =
            pacer.scheduleAtFixedRate(
                () -> {
                  try {
                    s.messages().append(textMessages(id[0], 10, 3000));
                    id[0] += 10;
                    largest[0] = Math.max(largest[0], Files.size(wal));
                    if (++written[0] == batches) {
                      done.complete(null);
                    }
                  } catch (Exception | Error e) {
                    done.completeExceptionally(e);
                  }
                },
                0,
                2,
                java.util.concurrent.TimeUnit.MILLISECONDS);
        done.get(120, java.util.concurrent.TimeUnit.SECONDS);
      } finally {
        pacer.shutdown();
        assertThat(pacer.awaitTermination(10, java.util.concurrent.TimeUnit.SECONDS)).isTrue();
      }
      assertThat(s.database().checkpointerRewinds()).isPositive();
      assertThat(largest[0]).isLessThan(netBytes);
      assertThat(s.messages().findByClientMsgId(1, "c" + (id[0] - 1))).isPresent();
    }
  }

  @Test
  void aCheckpointOnItsOwnThreadCopiesTheLogBackWhileTheWriterIsIdle() throws Exception {
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      Database db = s.database();
      String writerThreshold =
          db.write(
              c -> {
                try (Statement st = c.createStatement();
                    ResultSet rs = st.executeQuery("PRAGMA wal_autocheckpoint")) {
                  rs.next();
                  return rs.getString(1);
                }
              });
      assertThat(writerThreshold)
          .isEqualTo(String.valueOf(SqliteCheckpointer.WRITER_SAFETY_NET_PAGES));
      s.conversations().createGroup(1, "g", 1, List.of(2L), 0);
      s.messages().append(List.of(new NewMessage(10, 1, 1, 1, "a", 0, "{}")));
      // far below the writer's threshold: only the checkpoint thread copies these frames
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(10))
          .until(() -> db.checkpointerFramesCopied() > 0);
    }
  }

  @Test
  void theWriterKeepsItsStatementJournalsInMemory() {
    // a multi-row insert (a batch's new direct conversations) needs a statement journal; on disk
    // SQLite opened, wrote and deleted a temp file for it in every writer batch
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      String store =
          s.database()
              .write(
                  c -> {
                    try (Statement st = c.createStatement();
                        ResultSet rs = st.executeQuery("PRAGMA temp_store")) {
                      rs.next();
                      return rs.getString(1);
                    }
                  });
      assertThat(store).isEqualTo("2"); // MEMORY
    }
  }

  @Test
  void noConnectionAsksTheDriverForGeneratedKeys() {
    // with generated keys on, the driver matched each statement's SQL against a regex and ran
    // SELECT last_insert_rowid() in a statement of its own after every INSERT
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      assertThat(s.database().write(SqliteDatabaseTest::generatedKeysOn)).isFalse();
      assertThat(s.database().read(SqliteDatabaseTest::generatedKeysOn)).isFalse();
    }
  }

  private static boolean generatedKeysOn(java.sql.Connection c) throws java.sql.SQLException {
    return c.unwrap(org.sqlite.SQLiteConnection.class).getConnectionConfig().isGetGeneratedKeys();
  }

  private static Path walOf(TestDb t) {
    return Path.of(t.config().dataDir(), t.config().sqliteFile() + "-wal");
  }

  /**
   * {@code count} text messages of group 1 from user 1, ids (and client ids) from {@code first}.
   */
  private static List<NewMessage> textMessages(long first, int count, int textChars) {
    String body = "{\"kind\":\"text\",\"text\":\"" + "x".repeat(textChars) + "\"}";
    List<NewMessage> messages = new java.util.ArrayList<>();
    for (long id = first; id < first + count; id++) {
      messages.add(new NewMessage(id, 1, 1, 1, "c" + id, 0, body));
    }
    return messages;
  }

  private static String pragma(Database db, String name) {
    return db.read(
        c -> {
          try (Statement st = c.createStatement();
              ResultSet rs = st.executeQuery("PRAGMA " + name)) {
            rs.next();
            return rs.getString(1);
          }
        });
  }
}
