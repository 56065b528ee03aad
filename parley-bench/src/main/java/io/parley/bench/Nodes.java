package io.parley.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntFunction;

/**
 * The Parley nodes of one bench run, each a child JVM, with what they share: a fresh PostgreSQL
 * database (store postgres or cluster mode) and, in cluster mode, a fresh Redis key prefix; each
 * node optionally in its own CPU-capped cgroup. {@link #close()} stops the nodes and removes the
 * cgroups, the database and the keys.
 */
final class Nodes implements AutoCloseable {
  final List<ServerProcess> procs = new ArrayList<>();
  final List<CpuCgroup> cgroups = new ArrayList<>();
  final boolean cluster;
  private final String store;
  private final String taskset;
  private PgDatabase db;
  private RedisKeys keys;

  private Nodes(boolean cluster, String store, String taskset) {
    this.cluster = cluster;
    this.store = store;
    this.taskset = taskset;
  }

  /**
   * Starts {@code count} nodes one after the other, each ready before the next starts.
   *
   * @param cluster cluster mode (PostgreSQL + Redis), also for a single node
   * @param jvm JVM options of node {@code i}
   */
  static Nodes start(
      BenchMain.Cli c, String name, int count, boolean cluster, IntFunction<List<String>> jvm)
      throws Exception {
    return start(c, name, count, cluster, jvm, null);
  }

  /** As above; a single node runs on the data directory {@code data} (null: a new one). */
  static Nodes start(
      BenchMain.Cli c,
      String name,
      int count,
      boolean cluster,
      IntFunction<List<String>> jvm,
      Path data)
      throws Exception {
    if (data != null && count != 1) {
      throw new IllegalArgumentException("a given data directory is for one node");
    }
    String store = cluster ? "postgres" : c.store;
    Nodes ns = new Nodes(cluster, store, c.serverCpus);
    try {
      if ("postgres".equals(store)) {
        ns.db = PgDatabase.create(c.pgUrl, c.pgUser, c.pgPassword);
      }
      if (cluster) {
        ns.keys = RedisKeys.create(c.redisUrl);
      }
      for (int i = 0; i < count; i++) {
        ns.startNode(c, name, i, jvm.apply(i), data);
      }
      return ns;
    } catch (Exception | Error e) {
      ns.close();
      throw e;
    }
  }

  private void startNode(BenchMain.Cli c, String name, int i, List<String> jvm, Path given)
      throws Exception {
    String label = cluster ? name + "-node" + (i + 1) : name;
    Path data =
        given != null
            ? given
            : Files.createDirectories(c.out.resolve("data-" + label + "-" + System.nanoTime()));
    int port = ServerProcess.freePort();
    Map<String, String> env = ServerProcess.parleyEnv(data.toAbsolutePath(), port, store);
    if (db != null) {
      env.put("PARLEY_STORE_POSTGRES_URL", db.url);
      env.put("PARLEY_STORE_POSTGRES_USER", db.user);
      env.put("PARLEY_STORE_POSTGRES_PASSWORD", db.password);
    }
    if (cluster) {
      env.put("PARLEY_NODE_ID", Integer.toString(i + 1));
      env.put("PARLEY_CLUSTER_REDIS_URL", keys.url);
      env.put("PARLEY_CLUSTER_KEY_PREFIX", keys.prefix);
    }
    CpuCgroup g = null;
    if (c.nodeCpuQuota != null) {
      g =
          CpuCgroup.create(
              ProcessHandle.current().pid() + "-" + label, c.nodeCpuQuota, c.cfsPeriodUs);
      cgroups.add(g);
    }
    Path log = c.out.resolve(label + "-server.log");
    ServerProcess p =
        ServerProcess.start("io.parley.server.Main", List.of(), env, jvm, taskset, g, port, log);
    procs.add(p);
    if (p.awaitReady("/health/ready", 120_000) < 0) {
      throw new IllegalStateException("parley did not become ready; see " + log);
    }
  }

  ServerProcess first() {
    return procs.get(0);
  }

  /** A backend whose user {@code i} signs up on, and connects to, node {@code i % count}. */
  Backend backend() {
    return new Backend.Parley("127.0.0.1", procs.stream().map(p -> p.port).toList());
  }

  /** CPU seconds used so far by all nodes together. */
  double cpuSeconds() {
    return procs.stream().mapToDouble(ServerProcess::cpuSeconds).sum();
  }

  /** Where the nodes run: ids, ports, pids, CPU caps, and the shared database and key prefix. */
  Map<String, Object> placement() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("mode", cluster ? "cluster" : "single node");
    m.put("store", store);
    m.put("postgres_database", db == null ? null : db.name);
    m.put("redis_url", keys == null ? null : keys.url);
    m.put("redis_key_prefix", keys == null ? null : keys.prefix);
    m.put("users", "user i signs up on and connects to node i mod " + procs.size());
    List<Map<String, Object>> ns = new ArrayList<>();
    for (int i = 0; i < procs.size(); i++) {
      Map<String, Object> n = new LinkedHashMap<>();
      n.put("node_id", cluster ? i + 1 : 0);
      n.put("port", procs.get(i).port);
      n.put("pid", procs.get(i).pid());
      n.put("taskset_cpus", taskset == null ? "unpinned" : taskset);
      n.put("cpu", i < cgroups.size() ? cgroups.get(i).stats() : "no cgroup (uncapped)");
      ns.add(n);
    }
    m.put("nodes", ns);
    return m;
  }

  @Override
  public void close() {
    for (int i = procs.size() - 1; i >= 0; i--) {
      procs.get(i).close();
    }
    cgroups.forEach(CpuCgroup::close);
    if (keys != null) {
      keys.close();
    }
    if (db != null) {
      db.close();
    }
  }
}
