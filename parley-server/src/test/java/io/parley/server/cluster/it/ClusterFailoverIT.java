package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** SIGKILL one of three nodes under load: its clients move through nginx, nothing acked is lost. */
class ClusterFailoverIT {
  @Test
  void killedNodeLosesNoAckedMessage() throws Exception {
    try (ClusterHarness h = new ClusterHarness()) {
      for (int id = 1; id <= 3; id++) {
        h.start(id);
      }
      try (Nginx nginx = h.nginx()) {
        ClusterLoadRun.Figures f =
            ClusterLoadRun.run(
                h,
                nginx.base(),
                9,
                () -> h.nodes.get(2).process().destroyForcibly(), // SIGKILL
                "failover");
        assertThat(f.acked()).isEqualTo(f.sent());
        assertThat(f.lost()).isZero();
        assertThat(f.moved()).as("clients of the stopped node reconnected").isPositive();
      }
    }
  }
}
