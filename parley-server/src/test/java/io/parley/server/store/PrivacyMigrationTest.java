package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.auth.Privacy;
import io.parley.server.config.ParleyConfig;
import io.parley.server.conversation.model.SeqRange;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import org.flywaydb.core.Flyway;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Migration V2 on a database that already holds V1 data, on both dialects: existing members get a
 * membership period from their join seq, users the default privacy, and stored refresh tokens keep
 * working.
 */
class PrivacyMigrationTest {

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void v2KeepsExistingDataWorking(String type) throws Exception {
    try (TestDb t = TestDatabases.of(type)) {
      ParleyConfig.Store cfg = t.config();
      String url =
          type.equals("sqlite")
              ? "jdbc:sqlite:" + Path.of(cfg.dataDir(), cfg.sqliteFile()).toAbsolutePath()
              : cfg.postgresUrl();
      String user = type.equals("sqlite") ? null : cfg.postgresUser();
      String pw = type.equals("sqlite") ? null : cfg.postgresPassword();
      Flyway.configure()
          .dataSource(url, user, pw)
          .locations("classpath:db/migration/" + (type.equals("sqlite") ? "sqlite" : "postgresql"))
          .target("1")
          .load()
          .migrate();
      try (Connection c = DriverManager.getConnection(url, user, pw);
          Statement st = c.createStatement()) {
        st.executeUpdate(
            "INSERT INTO users (id, username, username_lower, display_name, password_hash,"
                + " created_at) VALUES (1, 'a', 'a', 'A', 'h', 0), (2, 'b', 'b', 'B', 'h', 0)");
        st.executeUpdate(
            "INSERT INTO devices (id, user_id, name, created_at) VALUES (11, 1, 'phone', 0)");
        st.executeUpdate(
            "INSERT INTO refresh_tokens (token_hash, device_id, expires_at)"
                + " VALUES ('t1', 11, 9999999999999)");
        st.executeUpdate(
            "INSERT INTO conversations (id, type, title, created_at, last_seq)"
                + " VALUES (100, 'group', 'g', 0, 7)");
        st.executeUpdate(
            "INSERT INTO members (conversation_id, user_id, role, joined_at, joined_seq,"
                + " delivered_seq, read_seq) VALUES (100, 1, 'owner', 0, 0, 0, 0),"
                + " (100, 2, 'member', 0, 5, 5, 5)");
      }
      try (Stores s = t.open()) {
        assertThat(s.conversations().visibleRanges(100, 1))
            .containsExactly(new SeqRange(0, SeqRange.OPEN));
        assertThat(s.conversations().visibleRanges(100, 2))
            .containsExactly(new SeqRange(5, SeqRange.OPEN));
        assertThat(s.conversations().find(100).orElseThrow().historyVisibleToNewMembers())
            .isFalse();
        assertThat(s.users().privacy(2)).contains(Privacy.DEFAULT);
        assertThat(s.users().rotateRefreshToken("t1", "t2", 9999999999999L, 1, 10_000).outcome())
            .isEqualTo(io.parley.server.auth.UserStore.RotateResult.Outcome.ROTATED);
      }
    }
  }
}
