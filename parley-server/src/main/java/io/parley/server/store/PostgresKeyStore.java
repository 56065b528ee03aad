package io.parley.server.store;

/**
 * {@link JdbcKeyStore} on PostgreSQL: the prekey to claim is picked {@code FOR UPDATE SKIP LOCKED},
 * so concurrent fetchers take different prekeys instead of racing for (and missing) the same one.
 */
public final class PostgresKeyStore extends JdbcKeyStore {
  public PostgresKeyStore(Database db) {
    super(Backends.require(db, Database.Dialect.POSTGRES));
  }

  @Override
  protected String lockClause() {
    return " FOR UPDATE SKIP LOCKED";
  }
}
