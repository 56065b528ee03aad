package io.parley.server.store;

/** {@link JdbcUserStore} on SQLite (all writes serialized on the writer connection). */
public final class SqliteUserStore extends JdbcUserStore {
  public SqliteUserStore(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }

  @Override
  protected String forUpdate() {
    return "";
  }
}
