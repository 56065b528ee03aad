package io.parley.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.HdrHistogram.Histogram;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** JSON, Markdown and PNG output. */
final class Report {
  static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  private Report() {}

  /** p50/p90/p99/p99.9/max in milliseconds. */
  static Map<String, Object> percentiles(Histogram h) {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("count", h.getTotalCount());
    if (h.getTotalCount() == 0) {
      return m;
    }
    m.put("p50", ms(h.getValueAtPercentile(50)));
    m.put("p90", ms(h.getValueAtPercentile(90)));
    m.put("p99", ms(h.getValueAtPercentile(99)));
    m.put("p99_9", ms(h.getValueAtPercentile(99.9)));
    m.put("max", ms(h.getMaxValue()));
    return m;
  }

  private static double ms(long micros) {
    return Math.round(micros / 10.0) / 100.0;
  }

  static void writeJson(Path file, Object value) throws IOException {
    JSON.writeValue(file.toFile(), value);
  }

  /** Delivered vs offered rate, one series per target. */
  static void throughputChart(Path file, String title, double fanout, List<Scenarios.Sweep> sweeps)
      throws IOException {
    XYChart ch =
        new XYChartBuilder()
            .width(800)
            .height(500)
            .title(title)
            .xAxisTitle("offered deliveries/s")
            .yAxisTitle("delivered/s")
            .build();
    for (Scenarios.Sweep s : sweeps) {
      List<Double> x = new ArrayList<>();
      List<Double> y = new ArrayList<>();
      for (Traffic.Step st : s.steps()) {
        x.add(st.offered() * fanout);
        y.add(st.deliveredPerSec());
      }
      if (!x.isEmpty()) {
        ch.addSeries(s.target(), x, y).setMarker(SeriesMarkers.CIRCLE);
      }
    }
    BitmapEncoder.saveBitmap(ch, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }

  /** Send-to-receive latency by percentile, one series per (target, offered rate). */
  static void latencyChart(Path file, String title, List<Scenarios.Sweep> sweeps)
      throws IOException {
    XYChart ch =
        new XYChartBuilder()
            .width(800)
            .height(500)
            .title(title)
            .xAxisTitle("percentile (x = 1/(1-q): 10 = p90, 100 = p99, 1000 = p99.9)")
            .yAxisTitle("send->receive ms")
            .build();
    ch.getStyler().setXAxisLogarithmic(true);
    ch.getStyler().setYAxisLogarithmic(true);
    double[] qs = {50, 75, 90, 95, 99, 99.5, 99.9, 99.99};
    for (Scenarios.Sweep s : sweeps) {
      for (Traffic.Step st : s.steps()) {
        Histogram h = st.recvHist();
        if (h.getTotalCount() == 0) {
          continue;
        }
        List<Double> x = new ArrayList<>();
        List<Double> y = new ArrayList<>();
        for (double q : qs) {
          x.add(1 / (1 - q / 100));
          y.add(Math.max(0.01, h.getValueAtPercentile(q) / 1e3));
        }
        ch.addSeries(s.target() + " @" + (long) st.offered() + "/s", x, y)
            .setMarker(SeriesMarkers.CIRCLE);
      }
    }
    BitmapEncoder.saveBitmap(ch, file.toString(), BitmapEncoder.BitmapFormat.PNG);
  }
}
