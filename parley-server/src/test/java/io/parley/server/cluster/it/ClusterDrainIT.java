package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * SIGTERM one node during traffic: its clients get {@code reconnect}, move, and nothing is lost.
 */
class ClusterDrainIT {
  @Test
  void drainedNodeHandsItsClientsOver() throws Exception {
    try (ClusterHarness h = new ClusterHarness()) {
      for (int id = 1; id <= 3; id++) {
        h.start(id);
      }
      try (Nginx nginx = h.nginx()) {
        Process victim = h.nodes.get(2).process();
        ClusterLoadRun.Figures f =
            ClusterLoadRun.run(h, nginx.base(), 9, victim::destroy, "drain"); // SIGTERM
        assertThat(victim.waitFor(20, TimeUnit.SECONDS)).as("drained node exits").isTrue();
        assertThat(f.reconnectFrames())
            .as("clients of the drained node told to reconnect")
            .isPositive();
        assertThat(f.acked()).isEqualTo(f.sent());
        assertThat(f.lost()).isZero();
        assertThat(f.moved()).as("clients of the stopped node reconnected").isPositive();
      }
    }
  }
}
