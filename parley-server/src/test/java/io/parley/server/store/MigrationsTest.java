package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.ops.StartupPhases;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Statement;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.sqlite.SQLiteDataSource;

/**
 * A new SQLite database gets its schema without Flyway (NewSqliteSchema); Flyway runs when the
 * schema lacks a script on the classpath (an upgrade), and not at all on a restart.
 */
class MigrationsTest {

  @Test
  void theVersionsFoundAreTheScriptsOfEachDialect() throws Exception {
    for (String dialect : new String[] {"sqlite", "postgresql"}) {
      Set<String> files;
      try (Stream<Path> s = Files.list(Path.of("src/main/resources/db/migration", dialect))) {
        files =
            s.map(p -> p.getFileName().toString())
                .map(n -> n.substring(1, n.indexOf("__")).replace('_', '.'))
                .collect(Collectors.toSet());
      }
      assertThat(Migrations.available("db/migration/" + dialect)).isNotEmpty().isEqualTo(files);
    }
  }

  @Test
  void aNewDatabaseIsMadeWithoutFlywayAndFlywayIsSkippedOnceEveryScriptIsApplied()
      throws Exception {
    try (TestDb t = TestDatabases.sqlite()) {
      StartupPhases first = new StartupPhases();
      try (Stores s = Stores.open(t.config(), first)) {
        assertThat(first.summary()).contains("migrations-new-schema").doesNotContain("migrations ");
      }
      StartupPhases restart = new StartupPhases();
      try (Stores s = Stores.open(t.config(), restart)) {
        assertThat(restart.summary()).contains("migrations-check").doesNotContain("migrations ");
        assertThat(s.users().findUserByUsername("nobody")).isEmpty(); // the schema is there
      }
      SQLiteDataSource ds = new SQLiteDataSource();
      ds.setUrl("jdbc:sqlite:" + Path.of(t.config().dataDir(), t.config().sqliteFile()));
      assertThat(Migrations.isCurrent(ds, "db/migration/sqlite")).isTrue();
      // a script the history does not record (an upgrade) makes Flyway run again
      try (var c = ds.getConnection();
          Statement st = c.createStatement()) {
        st.executeUpdate("UPDATE flyway_schema_history SET version = '0.9' WHERE version = '11'");
      }
      assertThat(Migrations.isCurrent(ds, "db/migration/sqlite")).isFalse();
    }
  }
}
