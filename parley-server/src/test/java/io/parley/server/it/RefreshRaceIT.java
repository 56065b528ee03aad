package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.config.ParleyConfig;
import io.parley.server.it.JdkClient.Res;
import io.parley.server.it.JdkClient.Socket;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.testsupport.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Two tabs refreshing with the same refresh token at once both get a working token pair (the same
 * successor refresh token) and the device stays connected; a reuse after the grace window is a
 * replay that revokes the device. On SQLite and on PostgreSQL, with concurrent HTTP requests from
 * the JDK client.
 */
class RefreshRaceIT {

  @Test
  void concurrentRefreshesSucceedOnSqlite() throws Exception {
    try (TestNode node = TestNode.start(Map.of("auth.refresh_reuse_grace_seconds", "1"))) {
      raceThenReplay(node);
    }
  }

  @Test
  void concurrentRefreshesSucceedOnPostgres() throws Exception {
    try (TestDatabases.TestDb db = TestDatabases.postgres()) {
      ParleyConfig.Store s = db.config();
      Map<String, String> o = new HashMap<>();
      o.put("store.type", "postgres");
      o.put("store.postgres_url", s.postgresUrl());
      o.put("store.postgres_user", s.postgresUser());
      o.put("store.postgres_password", s.postgresPassword() == null ? "" : s.postgresPassword());
      o.put("auth.refresh_reuse_grace_seconds", "1");
      try (TestNode node = TestNode.start(o)) {
        raceThenReplay(node);
      }
    }
  }

  private static void raceThenReplay(TestNode node) throws Exception {
    for (int round = 0; round < 5; round++) {
      TestUser u = node.user("tabs");
      Socket ws = Socket.open(node.baseUrl(), u.session().accessToken());
      String token = u.session().refreshToken();

      List<Res> results = concurrently(node, 4, token);
      assertThat(results).extracting(Res::status).containsOnly(200);
      assertThat(results.stream().map(r -> r.body().path("refresh_token").asText()).distinct())
          .as("every tab gets the same successor")
          .hasSize(1);
      for (Res r : results) {
        String access = r.body().path("access_token").asText();
        assertThat(JdkClient.call(node.baseUrl(), "GET", "/v1/users/me", access, null).status())
            .isEqualTo(200);
      }
      ws.roundTrip();
      assertThat(ws.isClosed()).isFalse();

      // the successor rotates normally
      String next = results.get(0).body().path("refresh_token").asText();
      Res third = refresh(node, next);
      assertThat(third.status()).isEqualTo(200);

      if (round == 0) {
        // once the grace window is over, the successor of `next` is still unused, yet a reuse of
        // `next` is a replay: it revokes the device and closes its socket
        String last = third.body().path("refresh_token").asText();
        long rotatedAt = System.nanoTime();
        Awaitility.await()
            .pollDelay(Duration.ofMillis(1100))
            .atMost(Duration.ofSeconds(5))
            .until(() -> System.nanoTime() - rotatedAt > 1_050_000_000L);
        assertThat(refresh(node, next).status()).isEqualTo(401);
        assertThat(ws.awaitClose(Duration.ofSeconds(1))).isEqualTo(4401);
        assertThat(refresh(node, last).status()).isEqualTo(401);
        assertThat(
                JdkClient.call(
                        node.baseUrl(),
                        "GET",
                        "/v1/users/me",
                        third.body().path("access_token").asText(),
                        null)
                    .status())
            .isEqualTo(401);
      } else {
        ws.close();
      }
    }
  }

  private static List<Res> concurrently(TestNode node, int n, String token) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(n);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<CompletableFuture<Res>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        fs.add(
            CompletableFuture.supplyAsync(
                () -> {
                  try {
                    start.await();
                  } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                  }
                  return refresh(node, token);
                },
                pool));
      }
      start.countDown();
      List<Res> out = new ArrayList<>();
      for (CompletableFuture<Res> f : fs) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  private static Res refresh(TestNode node, String token) {
    return JdkClient.call(
        node.baseUrl(), "POST", "/v1/auth/refresh", null, "{\"refresh_token\":\"" + token + "\"}");
  }
}
