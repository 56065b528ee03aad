package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.config.ParleyConfig;
import io.parley.server.messaging.NewMessage;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.util.List;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.api.Test;

/**
 * Migration V14 (SQLite) on a database holding direct conversations keyed by {@code direct_key}:
 * they are found through their members afterwards (no second conversation for a pair), and new ones
 * leave {@code direct_key} NULL and are found the same way.
 */
class DirectPairsMigrationTest {

  @Test
  void directConversationsMadeBeforeV14AreFoundThroughTheirMembers() throws Exception {
    try (TestDb t = TestDatabases.sqlite()) {
      ParleyConfig.Store cfg = t.config();
      String url = "jdbc:sqlite:" + Path.of(cfg.dataDir(), cfg.sqliteFile()).toAbsolutePath();
      Flyway.configure()
          .dataSource(url, null, null)
          .locations("classpath:db/migration/sqlite")
          .target("13")
          .load()
          .migrate();
      try (Connection c = DriverManager.getConnection(url);
          Statement st = c.createStatement()) {
        st.executeUpdate(
            "INSERT INTO users (id, username, username_lower, display_name, password_hash,"
                + " created_at) VALUES (1, 'a', 'a', 'A', 'h', 0), (2, 'b', 'b', 'B', 'h', 0),"
                + " (3, 'c', 'c', 'C', 'h', 0)");
        st.executeUpdate(
            "INSERT INTO conversations (id, type, title, created_at, last_seq, direct_key)"
                + " VALUES (100, 'direct', NULL, 0, 0, '1:2'), (101, 'direct', NULL, 0, 0, '3:3'),"
                + " (102, 'group', 'g', 0, 0, NULL)");
        st.executeUpdate(
            "INSERT INTO members (conversation_id, user_id, role, joined_at, joined_seq,"
                + " delivered_seq, read_seq) VALUES (100, 1, 'member', 0, 0, 0, 0),"
                + " (100, 2, 'member', 0, 0, 0, 0), (101, 3, 'member', 0, 0, 0, 0),"
                + " (102, 1, 'owner', 0, 0, 0, 0), (102, 2, 'member', 0, 0, 0, 0)");
      }
      try (Stores s = t.open()) {
        assertThat(s.conversations().getOrCreateDirect(900, 2, 1, 0).id()).isEqualTo(100);
        assertThat(s.conversations().getOrCreateDirect(901, 3, 3, 0).id()).isEqualTo(101);
        // a send by to_user_id finds the old conversation too
        NewMessage toB = new NewMessage(902, 903, 1, 10, "m1", 0, "{}", 2);
        assertThat(s.messages().append(List.of(toB)).getFirst().message().conversationId())
            .isEqualTo(100);
        // a new pair: a new conversation without a direct_key, found again by either member
        long created = s.conversations().getOrCreateDirect(904, 1, 3, 0).id();
        assertThat(created).isEqualTo(904);
        assertThat(s.conversations().getOrCreateDirect(905, 3, 1, 0).id()).isEqualTo(904);
        NewMessage toA = new NewMessage(906, 907, 3, 30, "m2", 0, "{}", 1);
        assertThat(s.messages().append(List.of(toA)).getFirst().message().conversationId())
            .isEqualTo(904);
        Database db = s.database();
        List<String> keys =
            db.read(
                c ->
                    Sql.query(
                        c,
                        "SELECT direct_key FROM conversations WHERE id = 904",
                        rs -> String.valueOf(rs.getString(1))));
        assertThat(keys).containsExactly("null");
        List<String> peers =
            db.read(
                c ->
                    Sql.query(
                        c,
                        "SELECT user_id, peer_id FROM members WHERE conversation_id IN"
                            + " (100, 101, 102, 904) ORDER BY conversation_id, user_id",
                        rs -> rs.getLong(1) + "->" + rs.getObject(2)));
        List<String> plan =
            db.read(
                c ->
                    Sql.query(
                        c,
                        "EXPLAIN QUERY PLAN " + SqliteDirectPairs.existingSql(2),
                        rs -> rs.getString("detail"),
                        1L,
                        2L,
                        3L,
                        1L));
        assertThat(plan)
            .as(String.join("\n", plan))
            .anySatisfy(
                d -> assertThat(d).contains("members_user").contains("user_id=? AND peer_id=?"));
        assertThat(peers)
            .containsExactly("1->2", "2->1", "3->3", "1->null", "2->null", "1->3", "3->1");
      }
    }
  }
}
