package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.messaging.MessageStore.AppendResult;
import io.parley.server.messaging.NewMessage;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.util.List;
import org.junit.jupiter.api.Test;

class SqliteMessageStoreTest extends MessageStoreContract {
  private static final long G = 510;

  @Override
  protected TestDb newDatabase() {
    return TestDatabases.sqlite();
  }

  @Test
  void aBatchOfNewKeysSkipsTheDedupeLookupAndAStoredKeyRetriesWithIt() {
    stores.conversations().createGroup(G, "g", 1, List.of(2L), NOW);
    Database db = stores.database();
    db.countStatements(true);
    List<AppendResult> fresh = messages.append(List.of(m(1, "n1"), m(2, "n2")));
    List<String> first = db.executions();
    db.countStatements(true);
    List<AppendResult> again = messages.append(List.of(m(1, "n3"), m(1, "n1")));
    List<String> retried = db.executions();
    List<Integer> commits = List.of(db.commits().size());
    db.countStatements(false);

    assertThat(first).noneMatch(s -> s.contains("JOIN messages m ON m.sender_id"));
    assertThat(first).anyMatch(s -> s.contains("ON CONFLICT (sender_id, client_msg_id)"));
    assertThat(fresh).extracting(r -> r.message().seq()).containsExactly(1L, 2L);
    // n1 is stored: the insert met it, the transaction rolled back and ran again with the lookup
    assertThat(retried).anyMatch(s -> s.contains("JOIN messages m ON m.sender_id"));
    assertThat(commits).containsExactly(1);
    assertThat(again.get(0).message().seq()).as("no seq lost to the retry").isEqualTo(3);
    assertThat(again.get(1)).isEqualTo(new AppendResult(fresh.get(0).message(), true));
  }

  private static NewMessage m(long sender, String clientMsgId) {
    return new NewMessage(
        System.nanoTime(), G, sender, 9, clientMsgId, NOW, "{\"kind\":\"text\",\"text\":\"x\"}");
  }
}
