package io.parley.server.store;

/**
 * {@link JdbcOutbox} on SQLite: claims run on the single writer connection, so they are serialized
 * and need no row locks (one drainer per database file).
 */
public final class SqliteOutbox extends JdbcOutbox {
  public SqliteOutbox(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }

  @Override
  protected String lockClause() {
    return "";
  }
}
