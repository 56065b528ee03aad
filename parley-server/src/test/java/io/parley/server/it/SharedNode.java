package io.parley.server.it;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;

/**
 * Base of end-to-end test classes whose tests share one default node (each test makes its own
 * uniquely named users, so tests do not see each other's data).
 */
abstract class SharedNode {
  static TestNode node;

  @BeforeAll
  static void startNode() {
    node = TestNode.start();
  }

  @AfterAll
  static void stopNode() {
    node.close();
  }
}
