package io.parley.server.retention;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;

class PostgresRetentionJobTest extends RetentionJobContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.postgres();
  }
}
