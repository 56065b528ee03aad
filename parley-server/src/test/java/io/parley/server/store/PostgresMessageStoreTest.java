package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.messaging.MessageStore.AppendResult;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.util.List;
import org.junit.jupiter.api.Test;

class PostgresMessageStoreTest extends MessageStoreContract {
  @Override
  protected TestDb newDatabase() {
    return TestDatabases.postgres();
  }

  /**
   * The first messages of 200 distinct pairs in one batch cost the same number of round trips as
   * those of 20 pairs: no statement runs per pair or per new conversation.
   */
  @Test
  void firstMessagesOfManyPairsCostAConstantNumberOfRoundTrips() {
    List<String> twenty = executionsOfOneAppend(10_000, 20);
    List<String> twoHundred = executionsOfOneAppend(20_000, 200);
    assertThat(twoHundred).as("round trips for 200 new pairs").hasSizeLessThanOrEqualTo(8);
    assertThat(twoHundred).as("the same as for 20 new pairs").hasSameSizeAs(twenty);
  }

  private List<String> executionsOfOneAppend(long base, int pairs) {
    var batch = firstMessagesBetweenPairs(base, pairs);
    Database db = stores.database();
    db.countStatements(true);
    List<AppendResult> r = messages.append(batch);
    List<String> executed = db.executions();
    db.countStatements(false);
    assertThat(r).extracting(x -> x.message().seq()).containsOnly(1L);
    assertThat(r.stream().map(x -> x.message().conversationId()).distinct()).hasSize(pairs);
    return executed;
  }
}
