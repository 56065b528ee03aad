package io.parley.server.store;

/** {@link JdbcConversationStore} on SQLite. */
public final class SqliteConversationStore extends JdbcConversationStore {
  public SqliteConversationStore(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }

  /** SQLite's scalar (two-argument) {@code MAX}. */
  @Override
  protected String greatest(String a, String b) {
    return "MAX(" + a + ", " + b + ")";
  }

  @Override
  protected String forUpdate() {
    return "";
  }
}
