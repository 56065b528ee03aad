package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/** The writer's statement cache on a real SQLite connection: reuse, nesting, bounds, clearing. */
class StatementCacheTest {

  @Test
  void reusesAStatementPerSqlClearsItOnCloseAndPreparesNestedUsesApart() throws Exception {
    Path dir = Files.createTempDirectory("stmt-cache");
    try (Connection raw = DriverManager.getConnection("jdbc:sqlite:" + dir.resolve("t.db"));
        StatementCache cache = new StatementCache(raw, 2)) {
      try (Statement st = raw.createStatement()) {
        st.execute("CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)");
      }
      Connection c = cache.connection();
      String insert = "INSERT INTO t (k, v) VALUES (?, ?)";
      PreparedStatement first;
      try (PreparedStatement ps = c.prepareStatement(insert)) {
        first = ps;
        ps.setLong(1, 1);
        ps.setString(2, "a");
        ps.addBatch();
        ps.setLong(1, 2);
        ps.setString(2, "b");
        ps.addBatch();
        assertThat(ps.executeBatch()).containsExactly(1, 1);
        // the same SQL while the cached statement is open: a statement of its own
        try (PreparedStatement nested = c.prepareStatement(insert)) {
          assertThat(nested).isNotSameAs(ps);
          nested.setLong(1, 3);
          nested.setString(2, "c");
          assertThat(nested.executeUpdate()).isEqualTo(1);
        }
      }
      assertThat(first.isClosed()).as("returned to the cache").isTrue();
      try (PreparedStatement again = c.prepareStatement(insert)) {
        assertThat(again).as("reused").isSameAs(first);
        assertThat(again.isClosed()).isFalse();
        // parameters and the batch were cleared when it was returned: unbound parameters are NULL
        again.setLong(1, 4);
        assertThat(again.executeUpdate()).isEqualTo(1);
      }
      try (PreparedStatement q = c.prepareStatement("SELECT v FROM t WHERE k = ?")) {
        q.setLong(1, 4);
        try (ResultSet rs = q.executeQuery()) {
          assertThat(rs.next()).isTrue();
          assertThat(rs.getString(1)).isNull();
        }
      }
      assertThat(cache.size()).isEqualTo(2);
      try (PreparedStatement third = c.prepareStatement("SELECT COUNT(*) FROM t");
          ResultSet rs = third.executeQuery()) {
        assertThat(rs.next()).isTrue();
        assertThat(rs.getInt(1)).isEqualTo(4);
      }
      assertThat(cache.size()).as("bounded: the least recently used one is closed").isEqualTo(2);
      try (PreparedStatement evicted = c.prepareStatement(insert)) {
        assertThat(evicted).isNotSameAs(first);
      }
    }
  }
}
