package io.parley.server.store;

import java.sql.SQLException;
import java.util.Set;

/** {@link JdbcMessageStore} on PostgreSQL, possibly shared by several nodes. */
public final class PostgresMessageStore extends JdbcMessageStore {
  /** unique_violation, serialization_failure, deadlock_detected. */
  private static final Set<String> RETRYABLE = Set.of("23505", "40001", "40P01");

  public PostgresMessageStore(Database db) {
    super(Backends.require(db, Database.Dialect.POSTGRES));
  }

  /**
   * A concurrent append on another connection (or node) stored the same (sender, client_msg_id)
   * first; retrying the batch finds it and returns it as a duplicate.
   */
  @Override
  protected boolean isTransientConflict(SQLException e) {
    for (SQLException x = e; x != null; x = x.getNextException()) {
      if (RETRYABLE.contains(x.getSQLState())) {
        return true;
      }
    }
    return false;
  }
}
