package io.parley.server.store;

import io.parley.server.auth.UserStore;
import io.parley.server.config.ParleyConfig;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.messaging.MessageStore;

/**
 * The opened database and the stores on it. {@link #open} picks the backend from {@code
 * store.type}; {@link #close} closes the database (the stores are then unusable).
 */
public record Stores(
    Database database, UserStore users, ConversationStore conversations, MessageStore messages)
    implements AutoCloseable {

  /** Opens and migrates the configured database and builds the stores of its dialect. */
  public static Stores open(ParleyConfig.Store cfg) {
    return open(cfg, new io.parley.server.ops.StartupPhases());
  }

  /** Like {@link #open(ParleyConfig.Store)}, timing its phases in {@code t}. */
  public static Stores open(ParleyConfig.Store cfg, io.parley.server.ops.StartupPhases t) {
    Database db = Database.open(cfg, t);
    return switch (db.dialect()) {
      case SQLITE ->
          new Stores(
              db,
              new SqliteUserStore(db),
              new SqliteConversationStore(db),
              new SqliteMessageStore(db));
      case POSTGRES ->
          new Stores(
              db,
              new PostgresUserStore(db),
              new PostgresConversationStore(db),
              new PostgresMessageStore(db));
    };
  }

  /**
   * Loads the SQLite native library (extracted from the jar and checked on every start), so a start
   * can do it while it reads its configuration.
   */
  public static void preload() {
    try {
      org.sqlite.SQLiteJDBCLoader.initialize();
    } catch (Exception e) {
      // opening the store reports it
    }
  }

  /** The same stores with {@code messages} instead (e.g. a metered wrapper). */
  public Stores withMessages(MessageStore messages) {
    return new Stores(database, users, conversations, messages);
  }

  @Override
  public void close() {
    database.close();
  }
}
