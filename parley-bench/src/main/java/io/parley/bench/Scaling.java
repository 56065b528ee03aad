package io.parley.bench;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The scaling run: the {@code direct} sweep on 1, 2, 3 ... cluster nodes (each with its own CPU
 * share when {@code --node-cpu-quota} is given), and the table comparing them.
 */
final class Scaling {
  private Scaling() {}

  static Map<String, Object> run(Runner r, BenchMain.Cli c) throws Exception {
    Map<Integer, Map<String, Object>> runs = new LinkedHashMap<>();
    Map<String, Object> json = new LinkedHashMap<>();
    for (int n : c.scalingNodes) {
      System.err.println("== scaling: direct on " + n + " node(s)");
      Map<String, Object> j = r.sweepBoth("direct", "direct-" + n + "node", 1, n);
      runs.put(n, j);
      json.put(n + "_nodes", j);
    }
    List<Map<String, Object>> rows = rows(runs, c.nodeCpuQuota);
    json.put("table", rows);
    json.put("markdown", markdown(rows, c.o.sloMs));
    System.err.println(json.get("markdown"));
    return json;
  }

  /** One row per node count; the ratio is to the first (smallest) node count's figure. */
  @SuppressWarnings("unchecked")
  static List<Map<String, Object>> rows(Map<Integer, Map<String, Object>> runs, Double quota) {
    List<Map<String, Object>> rows = new ArrayList<>();
    Double base = null;
    for (var e : runs.entrySet()) {
      int n = e.getKey();
      Map<String, Object> p = (Map<String, Object>) e.getValue().get("parley");
      Map<String, Object> row = new LinkedHashMap<>();
      row.put("nodes", n);
      row.put("cpu_quota_cores", quota == null ? null : quota * n);
      Object rate = p.get("highest_rate_within_slo");
      Object delivered = p.get("delivered_per_s_within_slo");
      row.put("highest_rate_within_slo", rate);
      row.put("delivered_per_s_within_slo", delivered);
      double d = delivered instanceof Number x ? x.doubleValue() : Double.NaN;
      if (rows.isEmpty()) {
        base = Double.isNaN(d) ? null : d;
      }
      row.put(
          "ratio_to_first",
          base == null || Double.isNaN(d) ? null : Math.round(d / base * 100) / 100.0);
      Object cpu = null;
      for (Map<String, Object> s : (List<Map<String, Object>>) p.get("steps")) {
        if (rate != null && rate.equals(s.get("offered_msgs_per_s"))) {
          cpu = s.get("target_cpu_s_per_1000_delivered");
        }
      }
      row.put("server_cpu_s_per_1000_delivered", cpu);
      row.put("per_rate", perRate((List<Map<String, Object>>) p.get("steps")));
      row.put("max_delivered_per_s", p.get("max_delivered_per_s"));
      row.put("pairs_across_nodes", p.get("pairs_across_nodes"));
      row.put("pairs", p.get("pairs"));
      row.put("lost", p.get("total_lost"));
      row.put("duplicates", p.get("total_duplicates"));
      row.put("out_of_order", p.get("total_out_of_order"));
      Object ceiling = e.getValue().get("ceiling");
      row.put(
          "ceiling_delivered_per_s_within_slo",
          ceiling instanceof Map<?, ?> m ? m.get("delivered_per_s_within_slo") : null);
      rows.add(row);
    }
    return rows;
  }

  /** "offered: delivered/s, p99 ms, CPU-s/1000" for every step. */
  @SuppressWarnings("unchecked")
  private static String perRate(List<Map<String, Object>> steps) {
    List<String> out = new ArrayList<>();
    for (Map<String, Object> s : steps) {
      Object lat = s.get("send_to_receive_ms");
      Object p99 = lat instanceof Map<?, ?> m ? m.get("p99") : null;
      out.add(
          String.format(
              Locale.ROOT,
              "%s: %s/s, %s ms, %s",
              s.get("offered_msgs_per_s") instanceof Number n
                  ? String.format(Locale.ROOT, "%.0f", n.doubleValue())
                  : "—",
              v(s.get("delivered_per_s")),
              p99 instanceof Number n ? String.format(Locale.ROOT, "%.0f", n.doubleValue()) : "—",
              v(s.get("target_cpu_s_per_1000_delivered"))));
    }
    return String.join("; ", out);
  }

  static String markdown(List<Map<String, Object>> rows, double sloMs) {
    StringBuilder b =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                "| Nodes | CPU quota (cores) | Highest rate with p99 ≤ %.0f ms, 0 lost | Delivered/s"
                    + " | Ratio to %s node(s) | Server CPU-s per 1,000 delivered | Max delivered/s"
                    + " | Pairs across nodes | Lost / dup / ooo | Ceiling relay (nodes × quota),"
                    + " delivered/s within the SLO | Per offered rate: delivered/s, p99, CPU-s/1000"
                    + " |%n|---|---|---|---|---|---|---|---|---|---|---|%n",
                sloMs,
                rows.isEmpty() ? "1" : rows.get(0).get("nodes")));
    for (Map<String, Object> r : rows) {
      b.append(
          String.format(
              Locale.ROOT,
              "| %s | %s | %s | %s | %s | %s | %s | %s / %s | %s / %s / %s | %s | %s |%n",
              v(r.get("nodes")),
              r.get("cpu_quota_cores") == null ? "uncapped" : v(r.get("cpu_quota_cores")),
              v(r.get("highest_rate_within_slo")),
              v(r.get("delivered_per_s_within_slo")),
              v(r.get("ratio_to_first")),
              v(r.get("server_cpu_s_per_1000_delivered")),
              v(r.get("max_delivered_per_s")),
              v(r.get("pairs_across_nodes")),
              v(r.get("pairs")),
              v(r.get("lost")),
              v(r.get("duplicates")),
              v(r.get("out_of_order")),
              v(r.get("ceiling_delivered_per_s_within_slo")),
              v(r.get("per_rate"))));
    }
    return b.toString();
  }

  private static String v(Object o) {
    return o == null ? "—" : o.toString();
  }
}
