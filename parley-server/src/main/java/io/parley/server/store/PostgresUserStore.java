package io.parley.server.store;

/** {@link JdbcUserStore} on PostgreSQL. */
public final class PostgresUserStore extends JdbcUserStore {
  public PostgresUserStore(Database db) {
    super(Backends.require(db, Database.Dialect.POSTGRES));
  }

  @Override
  protected String forUpdate() {
    return " FOR UPDATE";
  }
}
