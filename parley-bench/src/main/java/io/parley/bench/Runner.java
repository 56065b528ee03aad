package io.parley.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** Runs scenarios against freshly started child JVMs (Parley and the ceiling relay). */
final class Runner {
  private final BenchMain.Cli c;
  final List<String> charts = new ArrayList<>();

  Runner(BenchMain.Cli c) {
    this.c = c;
  }

  static Map<String, Object> machine() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cpus", Runtime.getRuntime().availableProcessors());
    m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"));
    m.put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"));
    try {
      for (String line : Files.readAllLines(Path.of("/proc/cpuinfo"))) {
        if (line.startsWith("model name")) {
          m.put("cpu_model", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
      for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
        if (line.startsWith("MemTotal")) {
          m.put("mem_total", line.substring(line.indexOf(':') + 1).trim());
          break;
        }
      }
    } catch (IOException e) {
      // not Linux
    }
    return m;
  }

  Object run(String scenario) throws Exception {
    System.err.println("== " + scenario);
    return switch (scenario) {
      case "direct", "direct-random" -> sweepBoth(scenario, scenario, 1, c.nodes);
      case "group" -> sweepBoth("group", "group", c.o.groupSize - 1, null);
      case "scaling" -> Scaling.run(this, c);
      case "connections" -> {
        try (Nodes ns = parley("connections", false)) {
          yield Scenarios.connections(ns.backend(), ns.first(), c.o);
        }
      }
      case "storm" -> {
        try (Nodes ns = parley("storm", false)) {
          c.o.targetCpuSeconds = ns::cpuSeconds;
          yield Scenarios.storm(ns.backend(), c.o);
        } finally {
          c.o.targetCpuSeconds = () -> Double.NaN;
        }
      }
      case "cold-start" -> coldStart();
      default -> throw new IllegalArgumentException(scenario);
    };
  }

  /**
   * Runs {@code scenario} on Parley, then on the ceiling relay (unless disabled).
   *
   * @param label names the run's files (charts, logs)
   * @param nodes null: one node (store from the command line); N: N nodes in cluster mode
   */
  Map<String, Object> sweepBoth(String scenario, String label, int fanout, Integer nodes)
      throws Exception {
    Map<String, Object> json = new LinkedHashMap<>();
    List<Scenarios.Sweep> sweeps = new ArrayList<>();
    try (Nodes ns =
        nodes == null
            ? parley(label, false)
            : Nodes.start(c, label, nodes, true, i -> jvm(label, false, i))) {
      Backend b = ns.backend();
      ServerProcess p = ns.first();
      c.o.targetCpuSeconds = ns::cpuSeconds;
      if (c.jfr && (scenario.equals("direct") || scenario.equals("group"))) {
        // profile the measured steps only (not account setup, which is Argon2-bound); node 1
        String jfr = c.out.resolve(label + "-server.jfr").toAbsolutePath().toString();
        c.o.beforeMeasure = () -> p.jcmd("JFR.start", "name=bench", "settings=profile");
        c.o.afterMeasure = () -> p.jcmd("JFR.stop", "name=bench", "filename=" + jfr);
      }
      Scenarios.Sweep s = sweep(scenario, b);
      sweeps.add(s);
      json.put("parley", s.json());
      json.put("server_command", String.join(" ", p.command.subList(0, 3)) + " ...");
      json.put("placement", ns.placement());
    } finally {
      c.o.beforeMeasure = () -> {};
      c.o.afterMeasure = () -> {};
      c.o.targetCpuSeconds = () -> Double.NaN;
    }
    if (c.ceiling) {
      // the relay gets the CPU all the Parley nodes had together
      Double cores = c.nodeCpuQuota == null ? null : c.nodeCpuQuota * (nodes == null ? 1 : nodes);
      try (CpuCgroup g =
              cores == null
                  ? null
                  : CpuCgroup.create(
                      ProcessHandle.current().pid() + "-" + label + "-relay",
                      cores,
                      c.cfsPeriodUs);
          ServerProcess p = relay(label, g)) {
        Backend b = new Backend.Relay("127.0.0.1", p.port);
        c.o.targetCpuSeconds = p::cpuSeconds;
        Scenarios.Sweep s = sweep(scenario, b);
        sweeps.add(s);
        json.put("ceiling", s.json());
        json.put("ceiling_cpu", g == null ? "no cgroup (uncapped)" : g.stats());
      } finally {
        c.o.targetCpuSeconds = () -> Double.NaN;
      }
      json.put("ratio", ratios(sweeps.get(0), sweeps.get(1)));
    }
    Path tp = c.out.resolve(label + "-throughput.png");
    Report.throughputChart(tp, label + ": delivered vs offered", fanout, sweeps);
    Path lat = c.out.resolve(label + "-latency.png");
    Report.latencyChart(lat, label + ": send->receive latency by percentile", sweeps);
    charts.add(tp.getFileName().toString());
    charts.add(lat.getFileName().toString());
    return json;
  }

  private Scenarios.Sweep sweep(String scenario, Backend b) throws Exception {
    return switch (scenario) {
      case "direct" -> Scenarios.direct(b, c.o);
      case "direct-random" -> Scenarios.directRandom(b, c.o);
      default -> Scenarios.group(b, c.o);
    };
  }

  /** Parley / ceiling, per offered rate and for the best rate within the SLO. */
  static Map<String, Object> ratios(Scenarios.Sweep parley, Scenarios.Sweep ceiling) {
    Map<String, Object> m = new LinkedHashMap<>();
    List<Map<String, Object>> per = new ArrayList<>();
    for (int i = 0; i < Math.min(parley.steps().size(), ceiling.steps().size()); i++) {
      Traffic.Step p = parley.steps().get(i);
      Traffic.Step q = ceiling.steps().get(i);
      Map<String, Object> r = new LinkedHashMap<>();
      r.put("offered", p.offered());
      r.put("delivered_ratio", round(p.deliveredPerSec() / q.deliveredPerSec()));
      r.put("p99_parley_ms", p.p99RecvMs());
      r.put("p99_ceiling_ms", q.p99RecvMs());
      r.put("cpu_s_per_1000_parley", cpuPerThousand(parley, i));
      r.put("cpu_s_per_1000_ceiling", cpuPerThousand(ceiling, i));
      per.add(r);
    }
    m.put("per_rate", per);
    Object pb = parley.json().get("delivered_per_s_within_slo");
    Object cb = ceiling.json().get("delivered_per_s_within_slo");
    m.put(
        "within_slo_ratio",
        pb instanceof Number a && cb instanceof Number b
            ? round(a.doubleValue() / b.doubleValue())
            : null);
    Object pm = parley.json().get("max_delivered_per_s");
    Object cm = ceiling.json().get("max_delivered_per_s");
    m.put(
        "max_delivered_ratio",
        pm instanceof Number a && cm instanceof Number b
            ? round(a.doubleValue() / b.doubleValue())
            : null);
    return m;
  }

  @SuppressWarnings("unchecked")
  private static Object cpuPerThousand(Scenarios.Sweep s, int step) {
    Object steps = s.json().get("steps");
    return steps instanceof List<?> l && step < l.size()
        ? ((Map<String, Object>) l.get(step)).get("target_cpu_s_per_1000_delivered")
        : null;
  }

  private static double round(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  private List<String> jvm(String name, boolean jfr, int node) {
    List<String> a = new ArrayList<>();
    // the production launcher (bin/parley) keeps an AppCDS archive; so does the bench (one per
    // node index: nodes that stop together would otherwise write one file at once)
    a.add("-XX:+AutoCreateSharedArchive");
    String jsa = node == 0 ? "parley-server.jsa" : "parley-server-" + node + ".jsa";
    a.add("-XX:SharedArchiveFile=" + c.out.resolve(jsa).toAbsolutePath());
    // extra server JVM options for experiments (GC, heap), e.g. BENCH_SERVER_JVM_OPTS="-Xlog:gc"
    String extra = System.getenv("BENCH_SERVER_JVM_OPTS");
    if (extra != null && !extra.isBlank()) {
      a.addAll(List.of(extra.trim().split("\\s+")));
    }
    if (jfr) {
      a.add(
          "-XX:StartFlightRecording=filename="
              + c.out.resolve(name + "-server.jfr").toAbsolutePath()
              + ",settings=profile,dumponexit=true");
    }
    return a;
  }

  /** One node: store from the command line (a fresh database with postgres), no cluster. */
  Nodes parley(String name, boolean jfr) throws Exception {
    return parley(name, jfr, null);
  }

  /** As {@link #parley(String, boolean)}, on the data directory {@code data} (null: a new one). */
  Nodes parley(String name, boolean jfr, Path data) throws Exception {
    return Nodes.start(c, name, 1, false, i -> jvm(name, jfr, i), data);
  }

  ServerProcess relay(String name, CpuCgroup cgroup) throws Exception {
    int port = ServerProcess.freePort();
    ServerProcess p =
        ServerProcess.start(
            "io.parley.bench.CeilingRelay",
            List.of("--port", Integer.toString(port)),
            Map.of(),
            List.of(),
            c.serverCpus,
            cgroup,
            port,
            c.out.resolve(name + "-relay.log"));
    if (p.awaitReady("/health/ready", 60_000) < 0) {
      p.close();
      throw new IllegalStateException("relay did not start");
    }
    return p;
  }

  /**
   * Time from process start to {@code /health/ready} answering 200 (the poll included): {@code
   * --cold-runs} starts of a new node (empty data directory, every migration applied) and as many
   * restarts of a node on existing data (schema current), each in a new JVM with the class-data
   * archive of a first, uncounted run.
   */
  private Map<String, Object> coldStart() throws Exception {
    // one uncounted run creates the class-data archive, as a node's first start does; its data
    // directory is the one the restarts reuse
    Path kept = Files.createDirectories(c.out.resolve("data-cold-kept"));
    try (Nodes ns = parley("cold-training", false, kept)) {
      System.err.println(
          "cold-start: training run "
              + (System.nanoTime() - ns.first().startedNanos) / 1_000_000
              + " ms");
    }
    List<Long> fresh = new ArrayList<>();
    List<Long> restart = new ArrayList<>();
    for (int i = 0; i < c.o.coldRuns; i++) {
      try (Nodes ns = parley("cold-" + i, false)) {
        fresh.add((System.nanoTime() - ns.first().startedNanos) / 1_000_000);
      }
      try (Nodes ns = parley("cold-restart-" + i, false, kept)) {
        restart.add((System.nanoTime() - ns.first().startedNanos) / 1_000_000);
      }
    }
    Map<String, Object> m = new LinkedHashMap<>(runs(fresh));
    m.put("restart", runs(restart));
    System.err.println("cold-start: " + m);
    return m;
  }

  private static Map<String, Object> runs(List<Long> ms) {
    List<Long> sorted = new ArrayList<>(ms);
    sorted.sort(null);
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("runs_ms", ms);
    m.put("median_ms", sorted.get(sorted.size() / 2));
    m.put("min_ms", sorted.get(0));
    m.put("max_ms", sorted.get(sorted.size() - 1));
    return m;
  }
}
