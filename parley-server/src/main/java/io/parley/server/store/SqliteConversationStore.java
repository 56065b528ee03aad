package io.parley.server.store;

/** {@link JdbcConversationStore} on SQLite. */
public final class SqliteConversationStore extends JdbcConversationStore {
  public SqliteConversationStore(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }

  @Override
  protected String forUpdate() {
    return "";
  }
}
