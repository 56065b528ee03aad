package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteConversationStoreTest extends ConversationStoreContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.sqlite();
  }

  @Test
  void aUsersPeriodsAreReachedThroughMembersNotByScanningEveryPeriod() throws Exception {
    try (TestDb t = TestDatabases.sqlite();
        Database db = Database.open(t.config())) {
      List<String> plan =
          db.read(
              c ->
                  Sql.query(
                      c,
                      "EXPLAIN QUERY PLAN " + JdbcConversationStore.VISIBLE_RANGES_OF_USER,
                      rs -> rs.getString("detail"),
                      42L));
      assertThat(plan)
          .as(String.join("\n", plan))
          .anySatisfy(d -> assertThat(d).startsWith("SEARCH m USING").contains("members_user"))
          .anySatisfy(d -> assertThat(d).startsWith("SEARCH p USING PRIMARY KEY"))
          .noneSatisfy(d -> assertThat(d).startsWith("SCAN"));
      List<String> indexes = new ArrayList<>();
      db.read(
          c ->
              indexes.addAll(
                  Sql.query(
                      c,
                      "SELECT name FROM sqlite_master WHERE type = 'index'"
                          + " AND tbl_name = 'membership_periods'",
                      rs -> rs.getString(1))));
      assertThat(indexes)
          .as("V13 dropped the index by user")
          .doesNotContain("membership_periods_user");
    }
  }
}
