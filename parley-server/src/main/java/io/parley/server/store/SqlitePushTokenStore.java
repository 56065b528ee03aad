package io.parley.server.store;

/** {@link JdbcPushTokenStore} on SQLite. */
public final class SqlitePushTokenStore extends JdbcPushTokenStore {
  public SqlitePushTokenStore(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }
}
