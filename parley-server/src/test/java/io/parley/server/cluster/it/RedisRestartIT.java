package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.testsupport.TestRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Restart Redis (an embedded redis-server the test controls, without persistence: its data is lost)
 * under load: readiness fails with a reason while it is down, the nodes recover when it returns,
 * cross-node delivery resumes within 5 s of Redis coming back (measured: the first delivery to a
 * device on another node of a message sent after the restart), and no acked message is lost. The
 * rate limits are on (cluster-wide, generous): a limiter must not stall chat while Redis is gone.
 */
class RedisRestartIT {
  @Test
  void redisRestartUnderLoadLosesNothing() throws Exception {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        ClusterHarness h = new ClusterHarness(redis.server().url())) {
      h.extraEnv.putAll(
          Map.of(
              "PARLEY_LIMITS_ENABLED", "true",
              "PARLEY_LIMITS_IP_SIGNUPS_BURST", "1000",
              "PARLEY_LIMITS_IP_LOGINS_BURST", "1000",
              "PARLEY_LIMITS_IP_WS_CONNECTS_BURST", "10000",
              "PARLEY_LIMITS_USER_MESSAGES_PERMITS", "1000",
              "PARLEY_LIMITS_USER_MESSAGES_BURST", "1000",
              "PARLEY_LIMITS_MAX_CONNECTIONS_PER_DEVICE", "20"));
      for (int id = 1; id <= 3; id++) {
        h.start(id);
      }
      String node1 = h.nodes.get(1).base();
      AtomicReference<String> downBody = new AtomicReference<>();
      AtomicLong recoveryMs = new AtomicLong();
      AtomicLong downAt = new AtomicLong();
      AtomicLong upAt = new AtomicLong();
      try (Nginx nginx = h.nginx()) {
        ClusterLoadRun.Figures f =
            ClusterLoadRun.run(
                h,
                nginx.base(),
                9,
                () -> {
                  downAt.set(System.nanoTime());
                  redis.stop();
                  Awaitility.await()
                      .atMost(Duration.ofSeconds(5))
                      .until(
                          () -> {
                            HttpResponse<String> r = ClusterHarness.get(node1 + "/health/ready");
                            downBody.set(r.body());
                            return r.statusCode() == 503;
                          });
                  redis.start();
                  long t0 = System.nanoTime();
                  upAt.set(t0);
                  Awaitility.await()
                      .atMost(Duration.ofSeconds(5))
                      .until(() -> ClusterHarness.get(node1 + "/health/ready").statusCode() == 200);
                  recoveryMs.set((System.nanoTime() - t0) / 1_000_000);
                },
                "redis_restart");
        long up = upAt.get();
        // delivery resumes: the first cross-node delivery of a message sent after Redis is back
        long resumeMs =
            f.crossNode().stream()
                .filter(d -> d.sentNanos() >= up)
                .mapToLong(d -> (d.arrivedNanos() - up) / 1_000_000)
                .min()
                .orElse(-1);
        System.out.printf(
            "redis_restart: sent=%d acked=%d delivered=%d lost=%d redis_down_ms=%d"
                + " ready_again_ms=%d delivery_resumed_ms=%d longest_cross_node_gap_ms=%d%n",
            f.sent(),
            f.acked(),
            f.delivered(),
            f.lost(),
            (up - downAt.get()) / 1_000_000,
            recoveryMs.get(),
            resumeMs,
            longestGapMs(f.crossNode()));
        System.out.printf("redis_restart: /health/ready while down: %s%n", downBody.get());
        assertThat(downBody.get()).contains("\"redis\":\"down\"").contains("redis unreachable");
        assertThat(f.acked()).isEqualTo(f.sent());
        assertThat(f.lost()).isZero();
        assertThat(resumeMs)
            .as("cross-node delivery of a message sent after Redis came back, ms after it did")
            .isBetween(0L, 5000L);
      }
      // every node is still (or again) in discovery after Redis lost its data
      ClusterHarness.User u = ClusterHarness.signup(node1, "after_restart");
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(
              () ->
                  ClusterHarness.call(node1, "GET", "/v1/discovery", u.token(), null)
                          .get("nodes")
                          .size()
                      == 3);
    }
  }

  /**
   * The longest pause between two cross-node deliveries while the load ran (deliveries of messages
   * sent at most as late as the last one, so the wait after the load is not counted).
   */
  private static long longestGapMs(List<ClusterLoadRun.Delivery> deliveries) {
    long lastSent =
        deliveries.stream().mapToLong(ClusterLoadRun.Delivery::sentNanos).max().orElse(0);
    long longest = 0;
    long prev = -1;
    for (ClusterLoadRun.Delivery d : deliveries) {
      if (d.arrivedNanos() > lastSent) {
        break;
      }
      if (prev >= 0) {
        longest = Math.max(longest, d.arrivedNanos() - prev);
      }
      prev = d.arrivedNanos();
    }
    return longest / 1_000_000;
  }
}
