package io.parley.server.store;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;

class SqlitePushTokenStoreTest extends PushTokenStoreContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.sqlite();
  }
}
