package io.parley.server.store;

import java.sql.SQLException;

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
}
