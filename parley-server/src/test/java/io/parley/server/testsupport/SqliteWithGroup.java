package io.parley.server.testsupport;

import io.parley.server.store.Stores;
import java.util.List;

/** A fresh SQLite database opened as stores, holding one group conversation of users 1 and 2. */
public final class SqliteWithGroup implements AutoCloseable {
  private final TestDatabases.TestDb db = TestDatabases.sqlite();
  private Stores stores;

  public SqliteWithGroup(long conversationId, long now) {
    stores = db.open();
    stores.conversations().createGroup(conversationId, "g", 1, List.of(2L), now);
  }

  public Stores stores() {
    return stores;
  }

  /** Closes the stores and opens the same files again (a restart). */
  public Stores reopen() {
    stores.close();
    stores = db.open();
    return stores;
  }

  @Override
  public void close() {
    stores.close();
    db.close();
  }
}
