package io.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestRedis;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The multi-node bench at a tiny size: real Parley nodes as child JVMs in cluster mode on a real
 * PostgreSQL and Redis (local ones, else embedded), each in its own CPU-capped cgroup where this
 * machine allows it. Asserts correctness across nodes and that the run leaves nothing behind
 * (cgroups, database, Redis keys). No timing is asserted.
 */
class ClusterBenchTest {

  private static BenchMain.Cli cli(String scenario, String... args) throws Exception {
    BenchMain.Cli c = BenchMain.parse(concat(scenario, args));
    c.o = ScenariosTest.tiny();
    c.out = Files.createTempDirectory("parley-bench-cluster-");
    return c;
  }

  private static String[] concat(String first, String... rest) {
    String[] a = new String[rest.length + 1];
    a[0] = first;
    System.arraycopy(rest, 0, a, 1, rest.length);
    return a;
  }

  @SuppressWarnings("unchecked")
  private static Object at(Object root, String... path) {
    Object o = root;
    for (String p : path) {
      o = ((Map<String, Object>) o).get(p);
    }
    return o;
  }

  @SuppressWarnings("unchecked")
  private static List<Map<String, Object>> list(Object root, String... path) {
    return (List<Map<String, Object>>) at(root, path);
  }

  /** Every measured step: something sent, all acked, every delivery exactly once in order. */
  private static void assertClean(Object sweep) {
    List<Map<String, Object>> steps = list(sweep, "steps");
    assertThat(steps).isNotEmpty();
    for (Map<String, Object> s : steps) {
      assertThat((Long) s.get("sent")).isPositive();
      assertThat(s.get("acked")).isEqualTo(s.get("sent"));
      assertThat(s.get("delivered")).isEqualTo(s.get("expected_deliveries"));
      assertThat(s.get("lost")).isEqualTo(0L);
      assertThat(s.get("duplicates")).isEqualTo(0L);
      assertThat(s.get("out_of_order")).isEqualTo(0L);
      assertThat(s.get("errors")).isEqualTo(0L);
      assertThat(s.get("closed_connections")).isEqualTo(0L);
    }
  }

  @Test
  void directOnTwoCappedNodesDeliversAcrossNodesAndCleansUp() throws Exception {
    boolean cgroups = CpuCgroup.available();
    try (TestDatabases.TestDb db = TestDatabases.postgres();
        TestRedis.Keys redis = TestRedis.keys()) {
      BenchMain.Cli c =
          cgroups
              ? cli("direct", "--nodes", "2", "--node-cpu-quota", "0.5")
              : cli("direct", "--nodes", "2");
      c.pgUrl = db.config().postgresUrl();
      c.redisUrl = redis.url();
      Object r = new Runner(c).run("direct");

      assertClean(at(r, "parley"));
      assertClean(at(r, "ceiling"));
      // 10 users round-robin over 2 nodes: each pair (2i, 2i+1) has one user on each node, so
      // every delivery crossed from one node to the other through Redis
      assertThat(at(r, "parley", "pairs")).isEqualTo(5);
      assertThat(at(r, "parley", "pairs_across_nodes")).isEqualTo(5L);
      List<Map<String, Object>> nodes = list(r, "placement", "nodes");
      assertThat(nodes).extracting(n -> n.get("node_id")).containsExactly(1, 2);
      assertThat(nodes).extracting(n -> n.get("port")).doesNotHaveDuplicates();
      assertThat(at(r, "placement", "mode")).isEqualTo("cluster");

      String database = (String) at(r, "placement", "postgres_database");
      String prefix = (String) at(r, "placement", "redis_key_prefix");
      assertThat(PgDatabase.exists(c.pgUrl, null, null, database)).isFalse();
      assertThat(new TestRedis.Keys(redis.server(), prefix).count()).isZero();
      if (cgroups) {
        List<String> groups = nodes.stream().map(n -> (String) at(n, "cpu", "cgroup")).toList();
        groups = new java.util.ArrayList<>(groups);
        groups.add((String) at(r, "ceiling_cpu", "cgroup"));
        assertThat(nodes)
            .allSatisfy(n -> assertThat(at(n, "cpu", "cfs_quota_us")).isEqualTo(50_000L));
        // the relay is capped at what the two nodes had together
        assertThat(at(r, "ceiling_cpu", "cpu_quota_cores")).isEqualTo(1.0);
        assertThat(groups).allSatisfy(g -> assertThat(Path.of(g)).doesNotExist());
      }
    }
  }

  @Test
  void directRandomOnThreeNodesDeliversOnceInOrder() throws Exception {
    try (TestDatabases.TestDb db = TestDatabases.postgres();
        TestRedis.Keys redis = TestRedis.keys()) {
      BenchMain.Cli c = cli("direct-random", "--nodes", "3", "--no-ceiling");
      c.pgUrl = db.config().postgresUrl();
      c.redisUrl = redis.url();
      Object r = new Runner(c).run("direct-random");
      assertClean(at(r, "parley"));
      List<Map<String, Object>> nodes = list(r, "placement", "nodes");
      assertThat(nodes).extracting(n -> n.get("node_id")).containsExactly(1, 2, 3);
      assertThat(
              PgDatabase.exists(
                  c.pgUrl, null, null, (String) at(r, "placement", "postgres_database")))
          .isFalse();
    }
  }

  @Test
  void cgroupCapsItsProcessAndIsRemoved() throws Exception {
    String name = ProcessHandle.current().pid() + "-unit";
    if (!CpuCgroup.available()) {
      // no writable cgroup v1 cpu controller here: the bench refuses the quota, naming the path
      assertThatThrownBy(() -> CpuCgroup.create(name, 0.25))
          .isInstanceOf(IllegalStateException.class)
          .hasMessageContaining("/sys/fs/cgroup/cpu");
      return;
    }
    Path dir;
    try (CpuCgroup g = CpuCgroup.create(name, 0.25)) {
      dir = g.dir;
      assertThat(Files.readString(dir.resolve("cpu.cfs_quota_us")).trim()).isEqualTo("25000");
      assertThat(CpuCgroup.existing()).contains(CpuCgroup.PREFIX + name);
      Process p = new ProcessBuilder(g.wrap(List.of("sh", "-c", "read x"))).start();
      org.awaitility.Awaitility.await()
          .atMost(10, TimeUnit.SECONDS)
          .until(() -> g.pids().contains(p.pid()));
      p.getOutputStream().close(); // "read" returns at end of input: the process exits
      assertThat(p.waitFor(10, TimeUnit.SECONDS)).isTrue();
    }
    assertThat(dir).doesNotExist();
    assertThat(CpuCgroup.existing()).doesNotContain(CpuCgroup.PREFIX + name);
  }

  @Test
  void scalingTableRatiosAreToTheFirstNodeCount() {
    Map<Integer, Map<String, Object>> runs = new LinkedHashMap<>();
    runs.put(1, run(400.0, 400L, 2.0));
    runs.put(2, run(800.0, 790L, 2.5));
    runs.put(3, run(null, null, null));
    List<Map<String, Object>> rows = Scaling.rows(runs, 0.5);
    assertThat(rows).extracting(m -> m.get("cpu_quota_cores")).containsExactly(0.5, 1.0, 1.5);
    assertThat(rows).extracting(m -> m.get("ratio_to_first")).containsExactly(1.0, 1.98, null);
    assertThat(rows)
        .extracting(m -> m.get("server_cpu_s_per_1000_delivered"))
        .containsExactly(2.0, 2.5, null);
    assertThat(Scaling.markdown(rows, 50)).contains("| 2 | 1.0 | 800.0 | 790 | 1.98 | 2.5 |");
  }

  private static Map<String, Object> run(Double rate, Long delivered, Double cpu) {
    Map<String, Object> p = new LinkedHashMap<>();
    p.put("highest_rate_within_slo", rate);
    p.put("delivered_per_s_within_slo", delivered);
    Map<String, Object> low = new LinkedHashMap<>();
    low.put("offered_msgs_per_s", 100.0);
    low.put("target_cpu_s_per_1000_delivered", 9.9);
    Map<String, Object> best = new LinkedHashMap<>();
    best.put("offered_msgs_per_s", rate);
    best.put("target_cpu_s_per_1000_delivered", cpu);
    p.put("steps", List.of(low, best));
    return Map.of("parley", p);
  }

  @Test
  void nodesOnlyForTheDirectScenariosAndAtMostThree() {
    assertThatThrownBy(() -> BenchMain.parse(new String[] {"group", "--nodes", "2"}))
        .hasMessageContaining("direct");
    assertThatThrownBy(() -> BenchMain.parse(new String[] {"direct", "--nodes", "4"}))
        .hasMessageContaining("1..3");
    assertThatThrownBy(() -> BenchMain.parse(new String[] {"direct", "--node-cpu-quota", "0"}))
        .hasMessageContaining("> 0");
  }
}
