-- A later release's script, for NewSqliteSchemaTest: Flyway applies it on top of a schema
-- that NewSqliteSchema created.
CREATE TABLE upgrade_probe (id INTEGER PRIMARY KEY);
