package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.testsupport.TestRedis;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Restart Redis (an embedded redis-server the test controls, without persistence: its data is lost)
 * under load: readiness fails with a reason while it is down, the nodes recover when it returns,
 * and no acked message is lost.
 */
class RedisRestartIT {
  @Test
  void redisRestartUnderLoadLosesNothing() throws Exception {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded();
        ClusterHarness h = new ClusterHarness(redis.server().url())) {
      for (int id = 1; id <= 3; id++) {
        h.start(id);
      }
      String node1 = h.nodes.get(1).base();
      AtomicReference<String> downBody = new AtomicReference<>();
      AtomicLong recoveryMs = new AtomicLong();
      try (Nginx nginx = h.nginx()) {
        ClusterLoadRun.Figures f =
            ClusterLoadRun.run(
                h,
                nginx.base(),
                9,
                () -> {
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
                  Awaitility.await()
                      .atMost(Duration.ofSeconds(5))
                      .until(() -> ClusterHarness.get(node1 + "/health/ready").statusCode() == 200);
                  recoveryMs.set((System.nanoTime() - t0) / 1_000_000);
                },
                "redis_restart");
        System.out.printf(
            "redis_restart: ready again %d ms after Redis came back; while down: %s%n",
            recoveryMs.get(), downBody.get());
        assertThat(downBody.get()).contains("\"redis\":\"down\"").contains("redis unreachable");
        assertThat(f.acked()).isEqualTo(f.sent());
        assertThat(f.lost()).isZero();
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
}
