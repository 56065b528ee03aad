package io.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.push.FakeProvider.Answer;
import io.parley.server.push.PushSender.Outcome;
import io.parley.server.push.PushSender.Result;
import io.parley.server.testsupport.ManualClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpVersion;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.ECPublicKey;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** APNs over HTTP/2 against a real local h2c server that verifies the ES256 provider token. */
class ApnsPushSenderTest {
  private static final String TOKEN = "a1b2c3d4".repeat(8);
  private static final Notification N =
      new Notification("Bob", "lunch?", "77", Map.of("conversation_id", "77", "seq", "3"), 1);

  @TempDir Path dir;
  private FakeProvider fake;
  private KeyPair keys;
  private Vertx vertx;
  private ApnsPushSender sender;
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
  private final List<String> jwts = new ArrayList<>();
  private volatile Answer answer = Answer.of(200, "");

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeProvider();
    keys = ProviderKeys.ec();
    vertx = Vertx.vertx();
    fake.answer(
        r -> {
          assertThat(r.version()).isEqualTo(HttpVersion.HTTP_2);
          assertThat(r.method()).isEqualTo("POST");
          assertThat(r.path()).isEqualTo("/3/device/" + TOKEN);
          assertThat(r.header("apns-topic")).isEqualTo("io.parley.app");
          assertThat(r.header("apns-push-type")).isEqualTo("alert");
          assertThat(r.header("apns-priority")).isEqualTo("10");
          assertThat(r.header("apns-collapse-id")).isEqualTo("77");
          String auth = r.header("authorization");
          assertThat(auth).startsWith("bearer ");
          DecodedJWT jwt =
              JWT.require(Algorithm.ECDSA256((ECPublicKey) keys.getPublic(), null))
                  .withIssuer("TEAM123456")
                  .acceptIssuedAt(Long.MAX_VALUE / 2000) // the clock is the test's
                  .build()
                  .verify(auth.substring(7));
          assertThat(jwt.getKeyId()).isEqualTo("KEY1234567");
          assertThat(jwt.getAlgorithm()).isEqualTo("ES256");
          synchronized (jwts) {
            jwts.add(auth.substring(7));
          }
          JsonNode body = FakeProvider.json(r.body());
          assertThat(body.path("aps").path("alert").path("title").asText()).isEqualTo("Bob");
          assertThat(body.path("aps").path("alert").path("body").asText()).isEqualTo("lunch?");
          assertThat(body.path("aps").path("thread-id").asText()).isEqualTo("77");
          assertThat(body.path("seq").asText()).isEqualTo("3");
          return answer;
        });
    sender =
        new ApnsPushSender(
            vertx,
            "TEAM123456",
            "KEY1234567",
            ProviderKeys.p8(dir, keys),
            "io.parley.app",
            fake.url(),
            Duration.ofSeconds(5),
            clock);
  }

  @AfterEach
  void tearDown() {
    sender.close();
    vertx.close();
    fake.close();
  }

  @Test
  void sendsOverHttp2AndReusesTheProviderTokenForUnderAnHour() {
    assertThat(sender.send(TOKEN, N)).isEqualTo(Result.ok());
    clock.advance(Duration.ofMinutes(49));
    assertThat(sender.send(TOKEN, N)).isEqualTo(Result.ok());
    clock.advance(Duration.ofMinutes(2)); // 51 minutes old: re-signed before Apple's hour
    assertThat(sender.send(TOKEN, N)).isEqualTo(Result.ok());
    assertThat(jwts).hasSize(3);
    assertThat(jwts.get(1)).isEqualTo(jwts.get(0));
    assertThat(jwts.get(2)).isNotEqualTo(jwts.get(1));
    assertThat(JWT.decode(jwts.get(2)).getIssuedAtAsInstant())
        .isEqualTo(Instant.parse("2026-03-01T10:51:00Z"));
  }

  @Test
  void classifiesApnsAnswers() {
    answer = Answer.of(410, "{\"reason\":\"Unregistered\",\"timestamp\":1700000000000}");
    assertThat(sender.send(TOKEN, N).outcome()).isEqualTo(Outcome.INVALID_TOKEN);
    answer = Answer.of(400, "{\"reason\":\"BadDeviceToken\"}");
    assertThat(sender.send(TOKEN, N).outcome()).isEqualTo(Outcome.INVALID_TOKEN);
    answer = Answer.of(400, "{\"reason\":\"PayloadTooLarge\"}");
    assertThat(sender.send(TOKEN, N).outcome()).isEqualTo(Outcome.FAILED);
    answer = new Answer(429, Map.of("retry-after", "3"), "{\"reason\":\"TooManyRequests\"}");
    Result r = sender.send(TOKEN, N);
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.retryAfterMs()).isEqualTo(3000);
    answer = Answer.of(503, "{\"reason\":\"ServiceUnavailable\"}");
    assertThat(sender.send(TOKEN, N).outcome()).isEqualTo(Outcome.RETRY);
  }

  @Test
  void anExpiredProviderTokenIsResigned() {
    answer = Answer.of(403, "{\"reason\":\"ExpiredProviderToken\"}");
    assertThat(sender.send(TOKEN, N).outcome()).isEqualTo(Outcome.RETRY);
    clock.advance(Duration.ofSeconds(1));
    answer = Answer.of(200, "");
    assertThat(sender.send(TOKEN, N)).isEqualTo(Result.ok());
    assertThat(jwts.get(1)).isNotEqualTo(jwts.get(0));
  }

  /**
   * Sends from a thread that is not Vert.x's, as the push workers do, over one HTTP/2 connection.
   * Before every exchange ran on the sender's own event loop, about one send in fifty (under CPU
   * load) lost its response body and hung until the await ran out.
   */
  @Test
  void sequentialSendsFromAWorkerThreadAllComplete() {
    for (int i = 0; i < 300; i++) {
      assertThat(sender.send(TOKEN, N)).as("send %d", i).isEqualTo(Result.ok());
    }
    assertThat(fake.requests).hasSize(300);
  }
}
