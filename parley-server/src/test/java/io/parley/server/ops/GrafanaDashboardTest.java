package io.parley.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Every metric the shipped Grafana dashboard queries exists in a live node's {@code /metrics} after
 * some traffic, so a renamed metric cannot silently blank a panel.
 */
class GrafanaDashboardTest {
  static final Path DASHBOARD = Path.of("../deploy/grafana/parley-dashboard.json");
  private static final Pattern IDENT = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Set<String> PROMQL_WORDS =
      Set.of(
          "by",
          "without",
          "on",
          "ignoring",
          "group_left",
          "group_right",
          "and",
          "or",
          "unless",
          "bool",
          "offset");

  @Test
  void everyDashboardMetricExistsInALiveNode() throws Exception {
    List<String> exprs = expressions(Json.MAPPER.readTree(Files.readString(DASHBOARD)));
    assertThat(exprs).hasSizeGreaterThan(10);
    Set<String> names = new TreeSet<>();
    for (String e : exprs) {
      names.addAll(metricNames(e));
    }
    assertThat(names)
        .contains(
            "parley_connections",
            "parley_frames_in_total",
            "parley_frames_out_total",
            "parley_messages_stored_total",
            "parley_delivery_latency_seconds_bucket",
            "parley_store_latency_seconds_bucket",
            "parley_errors_total");

    try (TestNode node = TestNode.start()) {
      traffic(node);
      String scrape = scrape(node);
      Set<String> exported = new TreeSet<>();
      for (String line : scrape.split("\n")) {
        if (!line.isEmpty() && !line.startsWith("#")) {
          Matcher m = IDENT.matcher(line);
          if (m.lookingAt()) {
            exported.add(m.group());
          }
        }
      }
      assertThat(exported).containsAll(names);
    }
  }

  @Test
  void metricNamesAreFoundInPromql() {
    assertThat(
            metricNames(
                "histogram_quantile(0.99, sum by (le, op) (rate(a_bucket{op=\"x\", b=~\"y\"}[5m])))"
                    + " / ignoring(op) c_total offset 5m + on(instance) d"))
        .containsExactlyInAnyOrder("a_bucket", "c_total", "d");
  }

  /** Sends messages over WebSocket, reads history, makes a bad request, so meters have data. */
  static void traffic(TestNode node) throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    ParleyClient a = alice.connect();
    ParleyClient b = bob.connect();
    a.awaitSynced();
    b.awaitSynced();
    String conv =
        a.sendTo(bob.id(), Bodies.text("metrics hello")).get(5, TimeUnit.SECONDS).conversationId();
    for (int i = 0; i < 5; i++) {
      a.sendText(conv, "metrics " + i).get(5, TimeUnit.SECONDS);
    }
    b.awaitMessages(conv, 6, Duration.ofSeconds(5));
    bob.http().history(conv, null, null, 50);
    HttpResponse<String> bad =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/search?q=%21"))
                    .header("Authorization", "Bearer " + alice.session().accessToken())
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(bad.statusCode()).isEqualTo(400);
  }

  static String scrape(TestNode node) throws Exception {
    HttpResponse<String> r =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(URI.create(node.baseUrl() + "/metrics")).build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).isEqualTo(200);
    return r.body();
  }

  private static List<String> expressions(JsonNode dashboard) {
    List<String> out = new ArrayList<>();
    for (JsonNode panel : dashboard.get("panels")) {
      for (JsonNode t : panel.path("targets")) {
        out.add(t.get("expr").asText());
      }
    }
    return out;
  }

  /** Metric names in a PromQL expression: identifiers that are not functions, labels or words. */
  static Set<String> metricNames(String expr) {
    String s =
        expr.replaceAll("\"(\\\\.|[^\"\\\\])*\"", " ")
            .replaceAll("\\{[^}]*}", " ")
            .replaceAll("\\[[^]]*]", " ")
            .replaceAll("\\b(by|without|on|ignoring|group_left|group_right)\\s*\\([^)]*\\)", " ")
            .replaceAll("\\boffset\\s+\\w+", " ");
    Set<String> names = new TreeSet<>();
    Matcher m = IDENT.matcher(s);
    while (m.find()) {
      String id = m.group();
      int after = m.end();
      while (after < s.length() && s.charAt(after) == ' ') {
        after++;
      }
      boolean function = after < s.length() && s.charAt(after) == '(';
      boolean number = m.start() > 0 && Character.isDigit(s.charAt(m.start() - 1));
      if (!function && !number && !PROMQL_WORDS.contains(id)) {
        names.add(id);
      }
    }
    return names;
  }
}
