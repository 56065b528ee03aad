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
    Database db = Database.open(cfg);
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

  /** The same stores with {@code messages} instead (e.g. a metered wrapper). */
  public Stores withMessages(MessageStore messages) {
    return new Stores(database, users, conversations, messages);
  }

  @Override
  public void close() {
    database.close();
  }
}
