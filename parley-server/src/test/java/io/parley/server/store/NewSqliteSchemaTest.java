package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.sqlite.SQLiteDataSource;

/** A new SQLite schema made without Flyway is the one Flyway makes, and Flyway takes it over. */
class NewSqliteSchemaTest {
  private static final String SQLITE = "db/migration/sqlite";

  @TempDir Path dir;

  private SQLiteDataSource db(String name) {
    SQLiteDataSource ds = new SQLiteDataSource();
    ds.setUrl("jdbc:sqlite:" + dir.resolve(name));
    return ds;
  }

  @Test
  void theSchemaAndHistoryAreThoseFlywayWrites() throws Exception {
    SQLiteDataSource ours = db("ours.db");
    SQLiteDataSource flyways = db("flyway.db");
    assertThat(NewSqliteSchema.createIfEmpty(ours, SQLITE)).isTrue();
    Flyway.configure().dataSource(flyways).locations("classpath:" + SQLITE).load().migrate();

    String schema = "SELECT type, name, tbl_name, sql FROM sqlite_master ORDER BY type, name";
    assertThat(rows(ours, schema)).hasSizeGreaterThan(30).isEqualTo(rows(flyways, schema));
    String history =
        "SELECT installed_rank, version, description, type, script, checksum, installed_by,"
            + " success FROM flyway_schema_history ORDER BY installed_rank";
    assertThat(rows(ours, history))
        .hasSize(Migrations.available(SQLITE).size())
        .isEqualTo(rows(flyways, history));
  }

  @Test
  void flywayValidatesItAndAppliesALaterScriptOnTop() throws Exception {
    SQLiteDataSource ds = db("upgrade.db");
    assertThat(NewSqliteSchema.createIfEmpty(ds, SQLITE)).isTrue();
    assertThat(Migrations.isCurrent(ds, SQLITE)).isTrue();
    Flyway.configure().dataSource(ds).locations("classpath:" + SQLITE).load().validate();
    var result =
        Flyway.configure()
            .dataSource(ds)
            .locations("classpath:" + SQLITE, "classpath:db/upgrade-probe")
            .load()
            .migrate();
    assertThat(result.migrationsExecuted).isEqualTo(1);
    assertThat(rows(ds, "SELECT name FROM sqlite_master WHERE name = 'upgrade_probe'")).hasSize(1);
  }

  @Test
  void aDatabaseThatIsNotEmptyIsLeftToFlyway() throws Exception {
    SQLiteDataSource ds = db("used.db");
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement()) {
      st.executeUpdate("CREATE TABLE something (x)");
    }
    assertThat(NewSqliteSchema.createIfEmpty(ds, SQLITE)).isFalse();
    assertThat(rows(ds, "SELECT name FROM sqlite_master")).containsExactly(List.of("something"));
  }

  @Test
  void versionsSortAsNumbersAndLineBreaksDoNotCountInChecksums() {
    List<String> v = new ArrayList<>(List.of("11", "2", "1.10", "1.9", "1"));
    v.sort(NewSqliteSchema::compareVersions);
    assertThat(v).containsExactly("1", "1.9", "1.10", "2", "11");
    assertThat(NewSqliteSchema.checksum("a;\r\nb;\n"))
        .isEqualTo(NewSqliteSchema.checksum("a;\nb;"));
    assertThat(NewSqliteSchema.Script.of("V1_2__push_keys.sql"))
        .isEqualTo(new NewSqliteSchema.Script("V1_2__push_keys.sql", "1.2", "push keys"));
  }

  private static List<List<String>> rows(SQLiteDataSource ds, String sql) throws SQLException {
    List<List<String>> rows = new ArrayList<>();
    try (Connection c = ds.getConnection();
        Statement st = c.createStatement();
        ResultSet rs = st.executeQuery(sql)) {
      int n = rs.getMetaData().getColumnCount();
      while (rs.next()) {
        List<String> row = new ArrayList<>();
        for (int i = 1; i <= n; i++) {
          row.add(rs.getString(i));
        }
        rows.add(row);
      }
    }
    return rows;
  }
}
