package io.parley.server.store;

/** Guards that a backend-specific store gets a database of its dialect. */
final class Backends {
  private Backends() {}

  static Database require(Database db, Database.Dialect dialect) {
    if (db.dialect() != dialect) {
      throw new IllegalArgumentException(
          "a " + dialect + " store needs a " + dialect + " database, got " + db.dialect());
    }
    return db;
  }
}
