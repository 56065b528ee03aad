package io.parley.server.store;

import java.sql.SQLException;

/** An unexpected database failure (the {@link SQLException} is the cause). */
public final class StoreException extends RuntimeException {
  public StoreException(String message, Throwable cause) {
    super(message, cause);
  }

  /** The underlying {@link SQLException}, or null if the cause is something else. */
  public SQLException sqlException() {
    return getCause() instanceof SQLException e ? e : null;
  }
}
