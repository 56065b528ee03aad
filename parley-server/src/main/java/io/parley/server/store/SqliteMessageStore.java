package io.parley.server.store;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** {@link JdbcMessageStore} on SQLite. */
public final class SqliteMessageStore extends JdbcMessageStore {
  public SqliteMessageStore(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }

  /**
   * Never: all writes run on one writer connection, so no other transaction can race an append (a
   * unique violation here is a real bug and must surface).
   */
  @Override
  protected boolean isTransientConflict(SQLException e) {
    return false;
  }

  /** sqlite-jdbc reports each row count of a batch. */
  @Override
  protected boolean dedupeOnInsert() {
    return true;
  }

  @Override
  protected Map<String, Long> resolveDirectPairs(
      Connection c, List<DirectPair> pairs, Set<Long> created) throws SQLException {
    return SqliteDirectPairs.resolve(c, pairs, created, true);
  }
}
