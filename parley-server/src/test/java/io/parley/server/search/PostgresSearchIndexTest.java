package io.parley.server.search;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;

class PostgresSearchIndexTest extends SearchIndexContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.postgres();
  }
}
