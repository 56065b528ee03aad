package io.parley.bench;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The benchmark CLI: {@code bench.sh <scenario> [options]}; see {@link #USAGE}. */
public final class BenchMain {
  static final String USAGE =
      """
      usage: parley-bench/bench.sh <connections|direct|direct-random|group|storm|cold-start|all|scaling> [options]

      Starts a Parley node (and, for direct/group, the ceiling relay) as child JVMs on loopback,
      drives them over the public WebSocket protocol, and writes result.json, summary.md and PNG
      charts to bench-results/<timestamp>/.

        --users N            direct: users in 1:1 pairs (default 2000); direct-random: users
                             sending to random others by to_user_id (no conversations made first)
        --rates R1,R2,..     direct: offered messages/s to sweep (default 1000,2000,4000)
        --seconds S          seconds per rate step (default 10)
        --warmup S           warm-up seconds at the first rate, not reported (default 3)
        --group-size N       group: members, all online (default 1024)
        --senders S          group: sending members (default 4)
        --group-rates R,..   group: offered messages/s to sweep (default 100,300)
        --connections N      connections: sessions to open (default 20000)
        --hold S             connections: seconds to hold them (default 30)
        --sources K          connections: source addresses 127.0.0.1..K (default 4)
        --storm-clients C    storm: clients (default 2000)
        --missed M           storm: missed messages per client (default 20)
        --cold-runs K        cold-start: runs (default 5)
        --store sqlite|postgres   server store (default sqlite, embedded). With postgres every
                             run creates its own database parley_bench_<random> and drops it
        --postgres-url URL   PostgreSQL server to create it on, as a JDBC URL to any database there
                             (default jdbc:postgresql://127.0.0.1:5432/postgres; also
                             --postgres-user (default postgres) / --postgres-password)
        --nodes N            direct, direct-random: N Parley nodes (1..3) in cluster mode
                             (PostgreSQL + Redis, implies --store postgres); user i signs up on and
                             connects to node i mod N, so every fixed pair of direct spans 2 nodes
        --redis-url URL      cluster mode Redis (default redis://127.0.0.1:6379); every run uses
                             its own key prefix and deletes its keys afterwards
        --node-cpu-quota C   cap every Parley node at C cores with its own cgroup (v1 cpu
                             controller at /sys/fs/cgroup/cpu, root only; removed afterwards);
                             the ceiling relay gets C x nodes
        --cfs-period-us P    CFS period of those cgroups (default 100000, as in containers): a
                             node that spends its quota early in a period waits for the next one
        scaling              direct on 1, 2, 3 nodes (--scaling-nodes 1,2,3) and the table
        --server-cpus LIST   pin server (and relay) JVMs with taskset -c LIST (e.g. 1)
        --load-cpus LIST     pin this load generator with taskset -a -p -c LIST (e.g. 0)
        --jfr                record a JFR profile of the Parley server (server.jfr)
        --no-ceiling         skip the ceiling relay runs
        --receipts           direct/direct-random/group: receivers answer every message with a
                             delivered receipt, as real clients do (the relay ignores them)
        --event-loops N      load generator event loops (default 2)
        --slo-ms MS          p99 send->receive bound for the sustainable rate (default 50)
        --out DIR            results directory (default bench-results/<timestamp>)
      """;

  private BenchMain() {}

  /** Parsed command line. */
  static final class Cli {
    String scenario;
    Scenarios.Opts o = new Scenarios.Opts();
    String store = "sqlite";
    String pgUrl;
    String pgUser;
    String pgPassword;
    String serverCpus;
    String loadCpus;
    boolean jfr;
    boolean ceiling = true;
    Integer nodes;
    Double nodeCpuQuota;
    String redisUrl;
    int[] scalingNodes = {1, 2, 3};
    long cfsPeriodUs = CpuCgroup.DEFAULT_PERIOD_US;
    Path out;
  }

  static Cli parse(String[] args) {
    Cli c = new Cli();
    if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h")) {
      return null;
    }
    c.scenario = args[0];
    for (int i = 1; i < args.length; i++) {
      String a = args[i];
      switch (a) {
        case "--jfr" -> c.jfr = true;
        case "--no-ceiling" -> c.ceiling = false;
        case "--receipts" -> c.o.receipts = true;
        case "--help", "-h" -> {
          return null;
        }
        default -> {
          if (i + 1 >= args.length) {
            throw new IllegalArgumentException("missing value for " + a);
          }
          String v = args[++i];
          switch (a) {
            case "--users" -> c.o.users = Integer.parseInt(v);
            case "--rates" -> c.o.rates = doubles(v);
            case "--seconds" -> c.o.seconds = Double.parseDouble(v);
            case "--warmup" -> c.o.warmup = Double.parseDouble(v);
            case "--group-size" -> c.o.groupSize = Integer.parseInt(v);
            case "--senders" -> c.o.senders = Integer.parseInt(v);
            case "--group-rates" -> c.o.groupRates = doubles(v);
            case "--connections" -> c.o.connections = Integer.parseInt(v);
            case "--hold" -> c.o.holdSeconds = Integer.parseInt(v);
            case "--sources" -> c.o.sources = Integer.parseInt(v);
            case "--storm-clients" -> c.o.stormClients = Integer.parseInt(v);
            case "--missed" -> c.o.missed = Integer.parseInt(v);
            case "--cold-runs" -> c.o.coldRuns = Integer.parseInt(v);
            case "--event-loops" -> c.o.eventLoops = Integer.parseInt(v);
            case "--slo-ms" -> c.o.sloMs = Double.parseDouble(v);
            case "--store" -> c.store = v;
            case "--postgres-url" -> c.pgUrl = v;
            case "--postgres-user" -> c.pgUser = v;
            case "--postgres-password" -> c.pgPassword = v;
            case "--server-cpus" -> c.serverCpus = v;
            case "--load-cpus" -> c.loadCpus = v;
            case "--out" -> c.out = Path.of(v);
            case "--nodes" -> c.nodes = nodeCount(Integer.parseInt(v));
            case "--node-cpu-quota" -> c.nodeCpuQuota = Double.parseDouble(v);
            case "--redis-url" -> c.redisUrl = v;
            case "--cfs-period-us" -> c.cfsPeriodUs = Long.parseLong(v);
            case "--scaling-nodes" ->
                c.scalingNodes =
                    Arrays.stream(v.split(","))
                        .mapToInt(Integer::parseInt)
                        .map(BenchMain::nodeCount)
                        .toArray();
            default -> throw new IllegalArgumentException("unknown option " + a);
          }
        }
      }
    }
    if (c.nodes != null && !List.of("direct", "direct-random").contains(c.scenario)) {
      throw new IllegalArgumentException("--nodes applies to direct and direct-random only");
    }
    if (c.nodeCpuQuota != null && !(c.nodeCpuQuota > 0)) {
      throw new IllegalArgumentException("--node-cpu-quota must be > 0 cores");
    }
    return c;
  }

  private static int nodeCount(int n) {
    if (n < 1 || n > 3) {
      throw new IllegalArgumentException("nodes must be 1..3, got " + n);
    }
    return n;
  }

  private static double[] doubles(String v) {
    return Arrays.stream(v.split(",")).mapToDouble(Double::parseDouble).toArray();
  }

  public static void main(String[] args) throws Exception {
    Cli c;
    try {
      c = parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println(e.getMessage());
      System.err.print(USAGE);
      System.exit(2);
      return;
    }
    if (c == null) {
      System.out.print(USAGE);
      return;
    }
    List<String> all =
        List.of("connections", "direct", "direct-random", "group", "storm", "cold-start");
    List<String> todo = c.scenario.equals("all") ? all : List.of(c.scenario);
    if (!all.containsAll(todo) && !c.scenario.equals("scaling")) {
      System.err.println("unknown scenario " + c.scenario);
      System.err.print(USAGE);
      System.exit(2);
    }
    if (c.out == null) {
      c.out =
          Path.of(
              "bench-results",
              LocalDateTime.now(java.time.ZoneId.systemDefault())
                  .format(DateTimeFormatter.ofPattern("yyyyMMdd-HHmmss", java.util.Locale.ROOT)));
    }
    Files.createDirectories(c.out);
    if (c.loadCpus != null) {
      new ProcessBuilder(
              "taskset", "-a", "-p", "-c", c.loadCpus, Long.toString(ProcessHandle.current().pid()))
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor();
    }
    Runner r = new Runner(c);
    Map<String, Object> result = new LinkedHashMap<>();
    result.put("machine", Runner.machine());
    result.put("command", "bench.sh " + String.join(" ", args));
    boolean cluster = c.nodes != null || c.scenario.equals("scaling");
    result.put(
        "store",
        cluster
            ? "postgres, cluster mode (Redis "
                + (c.redisUrl == null ? RedisKeys.DEFAULT_URL : c.redisUrl)
                + ")"
            : c.store);
    result.put(
        "nodes",
        c.nodes == null ? (cluster ? Arrays.toString(c.scalingNodes) : "1") : c.nodes.toString());
    result.put("cfs_period_us", c.cfsPeriodUs);
    result.put("node_cpu_quota_cores", c.nodeCpuQuota == null ? "uncapped" : c.nodeCpuQuota);
    result.put("server_cpus", c.serverCpus == null ? "unpinned" : c.serverCpus);
    result.put("load_cpus", c.loadCpus == null ? "unpinned" : c.loadCpus);
    Map<String, Object> scen = new LinkedHashMap<>();
    result.put("scenarios", scen);
    for (String s : todo) {
      try {
        scen.put(s, r.run(s));
      } catch (Exception e) {
        e.printStackTrace();
        scen.put(s, Map.of("failed", e.toString()));
      }
      Report.writeJson(c.out.resolve("result.json"), result);
    }
    Path md = c.out.resolve("summary.md");
    Files.writeString(md, Summary.markdown(result, new ArrayList<>(r.charts)));
    System.out.println(Files.readString(md));
    System.out.println("results in " + c.out.toAbsolutePath());
    System.exit(0);
  }
}
