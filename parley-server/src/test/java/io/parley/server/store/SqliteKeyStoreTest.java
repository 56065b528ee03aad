package io.parley.server.store;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;

class SqliteKeyStoreTest extends KeyStoreContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.sqlite();
  }
}
