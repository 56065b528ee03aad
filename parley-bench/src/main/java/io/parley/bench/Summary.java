package io.parley.bench;

import java.util.List;
import java.util.Map;

/** The Markdown summary written next to result.json. */
final class Summary {
  private Summary() {}

  @SuppressWarnings("unchecked")
  private static Object at(Object root, String... path) {
    Object o = root;
    for (String p : path) {
      if (!(o instanceof Map<?, ?> m)) {
        return null;
      }
      o = ((Map<String, Object>) m).get(p);
    }
    return o;
  }

  private static String v(Object o) {
    return o == null ? "—" : o.toString();
  }

  static String markdown(Map<String, Object> r, List<String> charts) {
    StringBuilder b = new StringBuilder("# Parley benchmark\n\n");
    b.append("Command: `").append(r.get("command")).append("`\n\n");
    b.append("Machine: `").append(r.get("machine")).append("`; store ").append(r.get("store"));
    b.append("; server CPUs ").append(r.get("server_cpus"));
    b.append(", load generator CPUs ").append(r.get("load_cpus")).append("\n\n");
    b.append("| Bench | Parley | Ceiling | Ratio | SPEC §3 target |\n|---|---|---|---|---|\n");
    Object s = r.get("scenarios");
    if (at(s, "connections") != null) {
      b.append("| connections | ")
          .append(v(at(s, "connections", "alive_after_hold")))
          .append(" held of ")
          .append(v(at(s, "connections", "requested")))
          .append(", ")
          .append(v(at(s, "connections", "connect_rate_per_s")))
          .append(" conn/s, heap ")
          .append(v(at(s, "connections", "heap_bytes_per_connection")))
          .append(" B/conn, RSS ")
          .append(v(at(s, "connections", "rss_bytes_per_connection")))
          .append(" B/conn | | | 200,000 sessions, ≤ 10 KiB/conn |\n");
    }
    for (String sc : List.of("direct", "direct-random", "group")) {
      if (at(s, sc) == null) {
        continue;
      }
      b.append("| ")
          .append(sc)
          .append(" delivered/s with p99 ≤ SLO | ")
          .append(v(at(s, sc, "parley", "delivered_per_s_within_slo")))
          .append(" (rate ")
          .append(v(at(s, sc, "parley", "highest_rate_within_slo")))
          .append(") | ")
          .append(v(at(s, sc, "ceiling", "delivered_per_s_within_slo")))
          .append(" | ")
          .append(v(at(s, sc, "ratio", "within_slo_ratio")))
          .append(" | ")
          .append(sc.startsWith("direct") ? "≥ 50,000 msg/s" : "≥ 1,000,000 deliveries/s")
          .append(" |\n");
      b.append("| ")
          .append(sc)
          .append(" max delivered/s | ")
          .append(v(at(s, sc, "parley", "max_delivered_per_s")))
          .append(" | ")
          .append(v(at(s, sc, "ceiling", "max_delivered_per_s")))
          .append(" | ")
          .append(v(at(s, sc, "ratio", "max_delivered_ratio")))
          .append(" | |\n");
      b.append("| ")
          .append(sc)
          .append(" lost / dup / out-of-order / errors | ")
          .append(v(at(s, sc, "parley", "total_lost")))
          .append(" / ")
          .append(v(at(s, sc, "parley", "total_duplicates")))
          .append(" / ")
          .append(v(at(s, sc, "parley", "total_out_of_order")))
          .append(" / ")
          .append(v(at(s, sc, "parley", "total_errors")))
          .append(" | ")
          .append(v(at(s, sc, "ceiling", "total_lost")))
          .append(" / ")
          .append(v(at(s, sc, "ceiling", "total_duplicates")))
          .append(" / ")
          .append(v(at(s, sc, "ceiling", "total_out_of_order")))
          .append(" / ")
          .append(v(at(s, sc, "ceiling", "total_errors")))
          .append(" | | 0 |\n");
    }
    if (at(s, "storm") != null) {
      b.append("| storm | ")
          .append(v(at(s, "storm", "clients")))
          .append(" clients × ")
          .append(v(at(s, "storm", "missed_per_client")))
          .append(" msgs synced in ")
          .append(v(at(s, "storm", "storm_seconds")))
          .append(" s (complete: ")
          .append(v(at(s, "storm", "clients_with_all_messages")))
          .append(", lost ")
          .append(v(at(s, "storm", "lost")))
          .append(", failed to connect ")
          .append(v(at(s, "storm", "failed")))
          .append(", closed by the server's header timeout ")
          .append(v(at(s, "storm", "server_header_timeouts")))
          .append(") | | | 10,000 × 20 in ≤ 10 s |\n");
    }
    if (at(s, "cold-start") != null) {
      b.append("| cold start | median ")
          .append(v(at(s, "cold-start", "median_ms")))
          .append(" ms (runs ")
          .append(v(at(s, "cold-start", "runs_ms")))
          .append("); restart on existing data: median ")
          .append(v(at(s, "cold-start", "restart", "median_ms")))
          .append(" ms (runs ")
          .append(v(at(s, "cold-start", "restart", "runs_ms")))
          .append(") | | | ≤ 1 s |\n");
    }
    if (at(s, "scaling", "markdown") != null) {
      b.append("\n## Scaling: direct on ")
          .append(v(r.get("nodes")))
          .append(" nodes, CPU quota per node ")
          .append(v(r.get("node_cpu_quota_cores")))
          .append("\n\n")
          .append(at(s, "scaling", "markdown"));
    }
    b.append(
        "\nPer-step details (offered rate, latencies p50/p90/p99/p99.9/max) are in result.json.");
    b.append("\n\n");
    for (String c : charts) {
      b.append("![").append(c).append("](").append(c).append(")\n");
    }
    return b.toString();
  }
}
