package io.parley.server.store;

/** {@link JdbcPushTokenStore} on PostgreSQL. */
public final class PostgresPushTokenStore extends JdbcPushTokenStore {
  public PostgresPushTokenStore(Database db) {
    super(Backends.require(db, Database.Dialect.POSTGRES));
  }
}
