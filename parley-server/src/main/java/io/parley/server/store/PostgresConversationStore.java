package io.parley.server.store;

/** {@link JdbcConversationStore} on PostgreSQL. */
public final class PostgresConversationStore extends JdbcConversationStore {
  public PostgresConversationStore(Database db) {
    super(Backends.require(db, Database.Dialect.POSTGRES));
  }

  @Override
  protected String forUpdate() {
    return " FOR UPDATE";
  }
}
