package io.parley.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** {@code /metrics} access control and what it counts; request ids. JDK HTTP client only. */
class OpsIT {
  private final HttpClient jdk = HttpClient.newHttpClient();

  @Test
  void metricsNeedTheTokenAndCountTraffic() throws Exception {
    try (TestNode node = TestNode.start(Map.of("ops.metrics_token", "s3cret-metrics"))) {
      assertThat(get(node.baseUrl() + "/metrics", null).statusCode()).isEqualTo(401);
      assertThat(get(node.baseUrl() + "/metrics", "wrong").statusCode()).isEqualTo(401);
      GrafanaDashboardTest.traffic(node);
      HttpResponse<String> ok = get(node.baseUrl() + "/metrics", "s3cret-metrics");
      assertThat(ok.statusCode()).isEqualTo(200);
      String m = ok.body();
      assertThat(value(m, "parley_frames_in_total{type=\"send\"}")).isGreaterThanOrEqualTo(6);
      assertThat(value(m, "parley_frames_out_total{type=\"ack\"}")).isGreaterThanOrEqualTo(6);
      assertThat(value(m, "parley_frames_out_total{type=\"message\"}")).isGreaterThanOrEqualTo(6);
      assertThat(value(m, "parley_messages_stored_total")).isGreaterThanOrEqualTo(6);
      assertThat(value(m, "parley_delivery_latency_seconds_count")).isGreaterThanOrEqualTo(6);
      assertThat(value(m, "parley_store_latency_seconds_count{op=\"history\"}"))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(m, "parley_errors_total{code=\"invalid_argument\",transport=\"rest\"}"))
          .isGreaterThanOrEqualTo(1);
      assertThat(value(m, "parley_errors_total{code=\"unauthorized\",transport=\"rest\"}"))
          .isGreaterThanOrEqualTo(2);
      assertThat(value(m, "parley_connections")).isEqualTo(2);
      // the search indexer's thread applies the stored messages in the background
      assertThat(m).contains("\nparley_search_index_lag ");
      org.awaitility.Awaitility.await()
          .atMost(java.time.Duration.ofSeconds(20))
          .until(
              () ->
                  value(
                          get(node.baseUrl() + "/metrics", "s3cret-metrics").body(),
                          "parley_search_index_lag")
                      == 0);
    }
  }

  @Test
  void metricsCanLiveOnTheirOwnPort() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    try (TestNode node = TestNode.start(Map.of("ops.metrics_port", Integer.toString(port)))) {
      assertThat(get(node.baseUrl() + "/metrics", null).statusCode()).isEqualTo(404);
      HttpResponse<String> r = get("http://127.0.0.1:" + port + "/metrics", null);
      assertThat(r.statusCode()).isEqualTo(200);
      assertThat(r.body()).contains("parley_connections");
      assertThat(get(node.baseUrl() + "/health/live", null).statusCode()).isEqualTo(200);
    }
  }

  @Test
  void requestIdsAreEchoedOrMade() throws Exception {
    try (TestNode node = TestNode.start()) {
      HttpResponse<String> given =
          jdk.send(
              HttpRequest.newBuilder(URI.create(node.baseUrl() + "/health/live"))
                  .header("X-Request-Id", "req-42.abc")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(given.headers().firstValue("X-Request-Id")).contains("req-42.abc");
      HttpResponse<String> bad =
          jdk.send(
              HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/users/me"))
                  .header("X-Request-Id", "evil id with spaces")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(bad.statusCode()).isEqualTo(401);
      assertThat(bad.headers().firstValue("X-Request-Id").orElseThrow()).matches("[0-9a-f-]{36}");
    }
  }

  private HttpResponse<String> get(String url, String token) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return jdk.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  /** The value of the sample line starting with {@code series} (0 if absent). */
  static double value(String scrape, String series) {
    Matcher m =
        Pattern.compile("(?m)^" + Pattern.quote(series) + " ([0-9.eE+-]+)$").matcher(scrape);
    return m.find() ? Double.parseDouble(m.group(1)) : 0;
  }
}
