package io.parley.server.store;

/**
 * {@link JdbcOutbox} on PostgreSQL: claims lock rows with {@code FOR UPDATE SKIP LOCKED}, so every
 * node of a cluster can drain the same outbox without blocking on or double-claiming jobs.
 */
public final class PostgresOutbox extends JdbcOutbox {
  public PostgresOutbox(Database db) {
    super(Backends.require(db, Database.Dialect.POSTGRES));
  }

  @Override
  protected String lockClause() {
    return " FOR UPDATE SKIP LOCKED";
  }
}
