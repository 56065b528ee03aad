package io.parley.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;

/** The workloads. Each returns its result as a JSON-ready map; target-agnostic. */
final class Scenarios {
  private Scenarios() {}

  /** Settings shared by the scenarios (from the CLI or a test). */
  static final class Opts {
    int users = 2000;
    double[] rates = {1000, 2000, 4000};
    double seconds = 10;
    double warmup = 3;
    int groupSize = 1024;
    int senders = 4;
    double[] groupRates = {100, 300};
    int connections = 20000;
    int holdSeconds = 30;
    int sources = 4;
    int stormClients = 2000;
    int missed = 20;
    int coldRuns = 5;
    int eventLoops = 2;
    int connectInFlight = 256;
    long drainMs = 15_000;
    double sloMs = 50;
    boolean receipts;

    /** Called after setup and warm-up, before the measured steps (e.g. start a JFR recording). */
    Runnable beforeMeasure = () -> {};

    /** Called after the measured steps. */
    Runnable afterMeasure = () -> {};

    /** CPU seconds used so far by the target's process (server or relay); NaN if unknown. */
    java.util.function.DoubleSupplier targetCpuSeconds = () -> Double.NaN;
  }

  /** Result of a rate sweep, with the steps kept for charts. */
  record Sweep(String target, List<Traffic.Step> steps, Map<String, Object> json) {}

  static Sweep direct(Backend b, Opts o) throws Exception {
    int u = o.users - o.users % 2;
    List<String[]> users = b.users(u, "d");
    List<String> convs =
        Backend.parallel(u / 2, 16, i -> b.direct(users.get(2 * i), users.get(2 * i + 1)));
    List<BenchClient> cs = clients(b, users);
    for (BenchClient c : cs) {
      c.conversation = convs.get(c.index / 2);
    }
    Sweep s = sweep(b, o, cs, cs, 1, o.rates, "direct");
    long cross = 0;
    for (int i = 0; i + 1 < u; i += 2) {
      cross += cs.get(i).port == cs.get(i + 1).port ? 0 : 1;
    }
    s.json().put("pairs", u / 2);
    s.json().put("pairs_across_nodes", cross);
    return s;
  }

  /** One client per user, each on the port its backend assigns it. */
  private static List<BenchClient> clients(Backend b, List<String[]> users) {
    List<BenchClient> cs = new ArrayList<>(users.size());
    for (int i = 0; i < users.size(); i++) {
      BenchClient c = new BenchClient(i, users.get(i)[0], users.get(i)[1]);
      c.port = b.portOf(i);
      cs.add(c);
    }
    return cs;
  }

  /**
   * Random pairs among N users with no conversations made beforehand: every send goes by {@code
   * to_user_id} to a random other user, so about N²/2 pairs are new and many sends are the first
   * message of their conversation (which the server creates on the fly).
   */
  static Sweep directRandom(Backend b, Opts o) throws Exception {
    List<String[]> users = b.users(o.users, "r");
    List<BenchClient> cs = clients(b, users);
    List<BenchClient> peers = List.copyOf(cs);
    for (BenchClient c : cs) {
      c.randomPeers = peers;
    }
    return sweep(b, o, cs, cs, 1, o.rates, "direct-random");
  }

  static Sweep group(Backend b, Opts o) throws Exception {
    List<String[]> users = b.users(o.groupSize, "g");
    String conv = b.group(users.get(0), users);
    List<BenchClient> cs = clients(b, users);
    for (BenchClient c : cs) {
      c.conversation = conv;
    }
    List<BenchClient> senders = cs.subList(0, Math.min(o.senders, cs.size()));
    return sweep(b, o, cs, senders, cs.size() - 1, o.groupRates, "group");
  }

  private static Sweep sweep(
      Backend b,
      Opts o,
      List<BenchClient> cs,
      List<BenchClient> senders,
      int fanout,
      double[] rates,
      String scenario)
      throws Exception {
    Traffic t = new Traffic();
    t.receipts = o.receipts;
    Map<String, Object> json = new LinkedHashMap<>();
    json.put("target", b.name());
    json.put("receipts", o.receipts);
    json.put("connections", cs.size());
    json.put("senders", senders.size());
    json.put("fanout", fanout);
    try (Load load = new Load(o.eventLoops, 1).target(b.host(), b.port())) {
      Load.ConnectResult cr = load.connectAll(cs, t, o.connectInFlight, c -> c.synced, 120_000);
      json.put("connect", cr);
      if (cr.failed() > 0) {
        throw new IllegalStateException(
            scenario + ": " + cr.failed() + " connections failed " + cr.errors());
      }
      if (o.warmup > 0) {
        Traffic.Step w = t.step(senders, fanout, rates[0], o.warmup, o.drainMs);
        json.put("warmup", w.toMap());
      }
      o.beforeMeasure.run();
      List<Traffic.Step> steps = new ArrayList<>();
      List<Map<String, Object>> stepJson = new ArrayList<>();
      Traffic.Step best = null;
      for (double r : rates) {
        double cpu0 = o.targetCpuSeconds.getAsDouble();
        double gen0 = ServerProcess.cpuSecondsOf(ProcessHandle.current().pid());
        Traffic.Step s = t.step(senders, fanout, r, o.seconds, o.drainMs);
        double cpu = o.targetCpuSeconds.getAsDouble() - cpu0;
        double gen = ServerProcess.cpuSecondsOf(ProcessHandle.current().pid()) - gen0;
        steps.add(s);
        Map<String, Object> sj = s.toMap();
        // CPU over the step and its drain, per 1,000 deliveries (fan-out counted per receiver)
        sj.put("target_cpu_s", round3(cpu));
        sj.put("target_cpu_s_per_1000_delivered", perThousand(cpu, s.delivered()));
        sj.put("generator_cpu_s", round3(gen));
        sj.put("generator_cpu_s_per_1000_delivered", perThousand(gen, s.delivered()));
        stepJson.add(sj);
        System.err.printf(
            java.util.Locale.ROOT,
            "%s %s offered %.0f msg/s: delivered %.0f/s, p99 recv %.1f ms, lost %d, dup %d, ooo %d,"
                + " errors %d, cpu %s s/1000 delivered%n",
            scenario,
            b.name(),
            r,
            s.deliveredPerSec(),
            s.p99RecvMs(),
            s.lost(),
            s.duplicates(),
            s.outOfOrder(),
            s.errors(),
            sj.get("target_cpu_s_per_1000_delivered"));
        if (s.clean() && s.p99RecvMs() <= o.sloMs && s.deliveredPerSec() >= 0.9 * r * fanout) {
          best = s;
        }
      }
      o.afterMeasure.run();
      json.put("steps", stepJson);
      json.put("slo_p99_ms", o.sloMs);
      json.put("highest_rate_within_slo", best == null ? null : best.offered());
      json.put(
          "delivered_per_s_within_slo", best == null ? null : Math.round(best.deliveredPerSec()));
      json.put(
          "max_delivered_per_s",
          Math.round(
              steps.stream().mapToDouble(Traffic.Step::deliveredPerSec).max().orElse(Double.NaN)));
      long lost = steps.stream().mapToLong(Traffic.Step::lost).sum();
      json.put("total_lost", lost);
      json.put("total_duplicates", steps.stream().mapToLong(Traffic.Step::duplicates).sum());
      json.put("total_out_of_order", steps.stream().mapToLong(Traffic.Step::outOfOrder).sum());
      json.put("total_errors", steps.stream().mapToLong(Traffic.Step::errors).sum());
      Load.closeAll(cs);
      return new Sweep(b.name(), steps, json);
    }
  }

  static Double perThousand(double cpuSeconds, long delivered) {
    return Double.isNaN(cpuSeconds) || delivered == 0
        ? null
        : round3(cpuSeconds * 1000.0 / delivered);
  }

  private static double round3(double v) {
    return Math.round(v * 1000) / 1000.0;
  }

  /** Opens N authenticated sessions, holds them, reports connect rate and memory. */
  static Map<String, Object> connections(Backend b, ServerProcess server, Opts o) throws Exception {
    Map<String, Object> json = new LinkedHashMap<>();
    int n = o.connections;
    long t0 = System.nanoTime();
    List<String[]> users = b.users(n, "c");
    json.put("account_setup_s", (System.nanoTime() - t0) / 1e9);
    long heap0 = server == null ? -1 : server.heapAfterGc();
    long rss0 = server == null ? -1 : server.rssBytes();
    List<BenchClient> cs = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      cs.add(new BenchClient(i, users.get(i)[0], users.get(i)[1]));
    }
    LongAdder closed = new LongAdder();
    BenchClient.Listener l =
        new BenchClient.Listener() {
          @Override
          public void onClose(BenchClient c, Short code) {
            closed.increment();
          }
        };
    try (Load load = new Load(o.eventLoops, o.sources).target(b.host(), b.port())) {
      Load.ConnectResult cr = load.connectAll(cs, l, o.connectInFlight, c -> c.hello, 600_000);
      json.put("requested", n);
      json.put("source_addresses", o.sources);
      json.put("connected", cr.ok());
      json.put("failed", cr.failed());
      json.put("connect_seconds", cr.seconds());
      json.put("connect_rate_per_s", Math.round(cr.ok() / cr.seconds()));
      json.put("connect_errors", cr.errors());
      Thread.sleep(o.holdSeconds * 1000L);
      long alive = cs.stream().filter(c -> c.ws != null && !c.closed).count();
      json.put("hold_seconds", o.holdSeconds);
      json.put("alive_after_hold", alive);
      json.put("closed_during_hold", closed.sum());
      if (server != null) {
        long heap1 = server.heapAfterGc();
        long rss1 = server.rssBytes();
        json.put("server_heap_after_gc_before", heap0);
        json.put("server_heap_after_gc_after", heap1);
        json.put("server_rss_before", rss0);
        json.put("server_rss_after", rss1);
        json.put("heap_bytes_per_connection", alive == 0 ? null : (heap1 - heap0) / alive);
        json.put("rss_bytes_per_connection", alive == 0 ? null : (rss1 - rss0) / alive);
      }
      Load.closeAll(cs);
    }
    System.err.println("connections: " + json);
    return json;
  }

  /** The server's count of connections closed before their request head arrived. */
  static final String HEADER_TIMEOUTS = "parley_header_timeouts_total";

  /**
   * C clients each miss M messages (sent by one feeder over the protocol while they are offline),
   * then all reconnect at once; measures the time until every client has synced and holds exactly
   * its M messages, in order.
   */
  static Map<String, Object> storm(Backend b, Opts o) throws Exception {
    Map<String, Object> json = new LinkedHashMap<>();
    int c = o.stormClients;
    int m = o.missed;
    List<String[]> feeders = b.users(1, "sf");
    List<String[]> users = b.users(c, "s");
    List<String> convs = Backend.parallel(c, 16, i -> b.direct(feeders.get(0), users.get(i)));
    Traffic t = new Traffic();
    try (Load load = new Load(o.eventLoops, 1).target(b.host(), b.port())) {
      // the feeder sends M messages into every conversation; receivers are offline
      BenchClient feeder = new BenchClient(0, feeders.get(0)[0], feeders.get(0)[1]);
      Load.ConnectResult fr = load.connectAll(List.of(feeder), t, 1, x -> x.synced, 60_000);
      if (fr.ok() != 1) {
        throw new IllegalStateException("feeder could not connect " + fr.errors());
      }
      long t0 = System.nanoTime();
      long total = (long) c * m;
      int window = 2000;
      long sent = 0;
      for (int round = 1; round <= m; round++) {
        for (int i = 0; i < c; i++) {
          long s = sent;
          Load.awaitCondition(() -> s - t.acked.sum() < window, 60_000);
          feeder.write(Frames.send(convs.get(i), 0, round, Load.now()));
          sent++;
        }
      }
      Load.awaitCondition(() -> t.acked.sum() >= total, 120_000);
      json.put("backlog_messages", total);
      json.put("backlog_acked", t.acked.sum());
      json.put("backlog_fill_seconds", (System.nanoTime() - t0) / 1e9);
      json.put("backlog_errors", t.errors.sum());
      Load.closeAll(List.of(feeder));

      List<BenchClient> cs = new ArrayList<>(c);
      for (int i = 0; i < c; i++) {
        cs.add(new BenchClient(i, users.get(i)[0], users.get(i)[1]));
      }
      Traffic rt = new Traffic();
      System.err.println("storm: backlog filled, connecting " + c + " clients");
      double cpu0 = o.targetCpuSeconds.getAsDouble();
      double gen0 = ServerProcess.cpuSecondsOf(ProcessHandle.current().pid());
      double headTimeouts0 = b.metric(HEADER_TIMEOUTS);
      long s0 = System.nanoTime();
      Load.ConnectResult cr =
          load.connectAll(cs, rt, Math.max(o.connectInFlight, c), x -> x.synced, 300_000);
      Load.awaitCondition(() -> rt.received.sum() >= total, 120_000);
      double storm = (System.nanoTime() - s0) / 1e9;
      double cpu = o.targetCpuSeconds.getAsDouble() - cpu0;
      double gen = ServerProcess.cpuSecondsOf(ProcessHandle.current().pid()) - gen0;
      // CPU is robust on a shared machine where wall time is not
      json.put("server_cpu_s", round3(cpu));
      json.put("server_cpu_ms_per_connect", round3(cpu * 1000 / c));
      json.put("generator_cpu_s", round3(gen));
      long complete = cs.stream().filter(x -> x.synced && x.received == m).count();
      json.put("clients", c);
      json.put("missed_per_client", m);
      json.put("connected_and_synced", cr.ok());
      json.put("failed", cr.failed());
      json.put("connect_errors", cr.errors());
      // connections the server closed because their upgrade request did not arrive in time
      json.put("server_header_timeouts", b.metric(HEADER_TIMEOUTS) - headTimeouts0);
      json.put("clients_with_all_messages", complete);
      json.put("delivered", rt.received.sum());
      json.put("lost", Math.max(0, total - rt.received.sum()));
      json.put("duplicates", rt.duplicates.sum());
      json.put("out_of_order", rt.outOfOrder.sum());
      json.put("storm_seconds", storm);
      Load.closeAll(cs);
    }
    System.err.println("storm: " + json);
    return json;
  }
}
