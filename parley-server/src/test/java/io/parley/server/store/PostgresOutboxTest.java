package io.parley.server.store;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;

class PostgresOutboxTest extends OutboxContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.postgres();
  }
}
