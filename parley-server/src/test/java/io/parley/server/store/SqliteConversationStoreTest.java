package io.parley.server.store;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;

class SqliteConversationStoreTest extends ConversationStoreContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.sqlite();
  }
}
