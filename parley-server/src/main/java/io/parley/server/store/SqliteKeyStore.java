package io.parley.server.store;

/** {@link JdbcKeyStore} on SQLite: claims run on the single writer connection, one at a time. */
public final class SqliteKeyStore extends JdbcKeyStore {
  public SqliteKeyStore(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }

  @Override
  protected String lockClause() {
    return "";
  }
}
