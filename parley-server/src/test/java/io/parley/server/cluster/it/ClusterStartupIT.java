package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Cluster mode refuses to start on a SQLite store and with a node id another live node holds. */
class ClusterStartupIT {

  @Test
  void clusterModeWithSqliteStoreIsAClearError() throws Exception {
    try (ClusterHarness h = new ClusterHarness()) {
      Map<String, String> env = h.env(7, ClusterHarness.freePort());
      env.put("PARLEY_STORE_TYPE", "sqlite");
      Path log = h.dir.resolve("sqlite.log");
      Process p = h.spawn(env, log);
      assertThat(p.waitFor(60, TimeUnit.SECONDS)).as("node exits").isTrue();
      assertThat(p.exitValue()).isNotZero();
      assertThat(Files.readString(log))
          .contains("cluster mode (cluster.redis_url / PARLEY_CLUSTER_REDIS_URL is set) requires")
          .contains("store.type=postgres");
    }
  }

  @Test
  void duplicateNodeIdIsRefused() throws Exception {
    try (ClusterHarness h = new ClusterHarness()) {
      ClusterHarness.Node first = h.start(1);
      Path log = h.dir.resolve("dup.log");
      Process dup = h.spawn(h.env(1, ClusterHarness.freePort()), log);
      assertThat(dup.waitFor(60, TimeUnit.SECONDS)).as("duplicate exits").isTrue();
      assertThat(dup.exitValue()).isNotZero();
      assertThat(Files.readString(log))
          .contains("node id 1 is already in use by another live node of this cluster");
      // the first node is unaffected and still ready
      assertThat(ClusterHarness.get(first.base() + "/health/ready").statusCode()).isEqualTo(200);
      // a different id joins, and discovery lists both
      h.start(2);
      ClusterHarness.User u = ClusterHarness.signup(first.base(), "startup_u");
      var disco = ClusterHarness.call(first.base(), "GET", "/v1/discovery", u.token(), null);
      assertThat(disco.get("nodes")).hasSize(2);
      assertThat(disco.get("recommended").asText()).startsWith("ws://127.0.0.1:");
    }
  }
}
