package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SSE stream goes through the WebSocket's connection admission (F14): both transports count
 * against the caps per device and per user, a refused stream gets {@code 429}, and a stream that
 * ends gives its place back.
 */
class SseAdmissionIT {
  static TestNode node;

  @BeforeAll
  static void start() {
    Map<String, String> o = new HashMap<>();
    o.put("limits.enabled", "true");
    o.put("limits.max_connections_per_device", "2");
    o.put("limits.max_connections_per_user", "3");
    // everything comes from one address here: only the caps are under test
    for (String bucket : new String[] {"ip_signups", "ip_logins", "ip_ws_connects"}) {
      o.put("limits." + bucket + ".burst", "1000");
    }
    node = TestNode.start(o);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void streamsAndWebSocketsShareTheCapsAndAnEndedStreamIsReleased() {
    TestUser u = node.user("ssecap");
    String base = node.baseUrl();
    String token = u.session().accessToken();
    try (SseStream first = SseStream.open(base, token, null)) {
      assertThat(first.status).isEqualTo(200);
      first.await("synced", f -> true);
      JdkClient.Socket ws = JdkClient.Socket.open(base, token);
      // the device has a stream and a WebSocket: a second stream is one too many
      try (SseStream refused = SseStream.open(base, token, null)) {
        assertThat(refused.status).isEqualTo(429);
      }
      ws.bye();
    }
    // both gone: the device gets its two places back, both taken by streams
    SseStream a = openAdmitted(base, token);
    try (SseStream b = openAdmitted(base, token);
        SseStream third = SseStream.open(base, token, null)) {
      assertThat(third.status).isEqualTo(429);
      a.close();
      // the ended stream's place goes to the next one
      openAdmitted(base, token).close();
      b.await("synced", f -> true);
    } finally {
      a.close();
    }
  }

  /** Opens a stream once the server has released enough places (a closed stream ends async). */
  private static SseStream openAdmitted(String base, String token) {
    return Awaitility.await()
        .atMost(Duration.ofSeconds(15))
        .until(
            () -> {
              SseStream s = SseStream.open(base, token, null);
              if (s.status == 200) {
                return s;
              }
              s.close();
              return null;
            },
            s -> s != null);
  }
}
