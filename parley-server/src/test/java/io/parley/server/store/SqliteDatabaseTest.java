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
