package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import org.junit.jupiter.api.Test;

/**
 * Proves that {@link TestDatabases} hands out real, migrated PostgreSQL databases and drops them:
 * once on the server chosen by {@code -Dparley.test.pg} and once on the embedded (zonky) fallback,
 * so the fallback keeps working on machines that have a local server.
 */
class PostgresTestDatabaseTest {

  @Test
  void chosenServerGivesFreshMigratedDatabase() throws Exception {
    if ("embedded".equals(System.getProperty(TestDatabases.PG_PROPERTY))) {
      assertThat(TestDatabases.postgresServer()).startsWith("embedded");
    }
    try (TestDb db = TestDatabases.postgres()) {
      checkCreatedAndDropped(db);
    }
  }

  @Test
  void embeddedFallbackGivesFreshMigratedDatabase() throws Exception {
    try (TestDb db = TestDatabases.postgresEmbedded()) {
      checkCreatedAndDropped(db);
    }
  }

  private static void checkCreatedAndDropped(TestDb db) throws Exception {
    String url = db.config().postgresUrl();
    try (Stores stores = db.open()) {
      assertThat(stores.database().dialect()).isEqualTo(Database.Dialect.POSTGRES);
    }
    try (Connection c = DriverManager.getConnection(url, "postgres", "");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery(
                "SELECT COUNT(*) FROM information_schema.tables WHERE table_name IN"
                    + " ('users', 'devices', 'refresh_tokens', 'conversations', 'members',"
                    + " 'messages', 'device_positions')")) {
      rs.next();
      assertThat(rs.getInt(1)).isEqualTo(7);
    }
    db.close();
    String name = url.substring(url.lastIndexOf('/') + 1);
    String admin = url.substring(0, url.lastIndexOf('/') + 1) + "postgres";
    try (Connection c = DriverManager.getConnection(admin, "postgres", "");
        Statement st = c.createStatement();
        ResultSet rs =
            st.executeQuery("SELECT COUNT(*) FROM pg_database WHERE datname = '" + name + "'")) {
      rs.next();
      assertThat(rs.getInt(1)).as("database dropped on close").isZero();
    }
  }
}
