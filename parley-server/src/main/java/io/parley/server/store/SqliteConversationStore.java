package io.parley.server.store;

import io.parley.server.conversation.model.Conversation;
import io.parley.server.store.JdbcMessageStore.DirectPair;
import java.util.HashSet;
import java.util.List;

/**
 * {@link JdbcConversationStore} on SQLite. A direct conversation is found through its members
 * (their {@code peer_id}, V14), not through {@code direct_key}: see {@link SqliteDirectPairs}. The
 * single writer serializes the lookup and the insert, so one pair never gets two conversations.
 */
public final class SqliteConversationStore extends JdbcConversationStore {
  public SqliteConversationStore(Database db) {
    super(Backends.require(db, Database.Dialect.SQLITE));
  }

  @Override
  protected String forUpdate() {
    return "";
  }

  @Override
  public Conversation getOrCreateDirect(long newId, long userA, long userB, long now) {
    String key = DirectPair.keyOf(userA, userB);
    long id =
        db.write(
            c ->
                SqliteDirectPairs.resolve(
                        c,
                        List.of(new DirectPair(key, newId, userA, userB, now)),
                        new HashSet<>(),
                        false)
                    .get(key));
    return find(id).orElseThrow();
  }
}
