package io.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.push.FakeProvider.Answer;
import io.parley.server.push.PushSender.Outcome;
import io.parley.server.push.PushSender.Result;
import io.parley.server.testsupport.ManualClock;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The webhook sender against a real local server that verifies the HMAC signature. */
class WebhookPushSenderTest {
  private static final Notification N =
      new Notification("Parley", "3 new messages", "9", Map.of("count", "3"), 3);
  private final ManualClock clock = new ManualClock(Instant.parse("2026-03-01T10:00:00Z"));
  private FakeProvider fake;
  private WebhookPushSender sender;
  private volatile Answer answer = Answer.of(204, "");

  @BeforeEach
  void setUp() {
    fake = new FakeProvider();
    fake.answer(
        r -> {
          assertThat(r.method()).isEqualTo("POST");
          assertThat(r.path()).isEqualTo("/hook");
          assertThat(r.header("X-Parley-Timestamp")).isEqualTo("1772359200");
          // the receiver's check: recompute the HMAC over "t.body" with the shared secret
          assertThat(r.header("X-Parley-Signature"))
              .isEqualTo(
                  WebhookPushSender.signature(
                      "s3cret".getBytes(StandardCharsets.UTF_8), 1772359200, r.body()))
              .matches("t=1772359200,v1=[0-9a-f]{64}");
          JsonNode b = FakeProvider.json(r.body());
          assertThat(b.path("token").asText()).isEqualTo("hook-device-1");
          assertThat(b.path("body").asText()).isEqualTo("3 new messages");
          assertThat(b.path("collapse_key").asText()).isEqualTo("9");
          assertThat(b.path("count").asInt()).isEqualTo(3);
          return answer;
        });
    sender = new WebhookPushSender(fake.url() + "/hook", "s3cret", Duration.ofSeconds(5), clock);
  }

  @AfterEach
  void tearDown() {
    fake.close();
  }

  @Test
  void signsAndClassifies() {
    assertThat(sender.send("hook-device-1", N)).isEqualTo(Result.ok());
    answer = Answer.of(410, "gone");
    assertThat(sender.send("hook-device-1", N).outcome()).isEqualTo(Outcome.INVALID_TOKEN);
    answer = new Answer(429, Map.of("Retry-After", "2"), "slow down");
    Result r = sender.send("hook-device-1", N);
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.retryAfterMs()).isEqualTo(2000);
    answer = Answer.of(500, "oops");
    assertThat(sender.send("hook-device-1", N).outcome()).isEqualTo(Outcome.RETRY);
    answer = Answer.of(400, "bad");
    assertThat(sender.send("hook-device-1", N).outcome()).isEqualTo(Outcome.FAILED);
    assertThat(fake.requests).hasSize(5);
  }

  @Test
  void aBadSecretIsDetectedByTheReceiver() {
    String body = "{\"token\":\"x\"}";
    String good = WebhookPushSender.signature("s3cret".getBytes(StandardCharsets.UTF_8), 1, body);
    String bad = WebhookPushSender.signature("other".getBytes(StandardCharsets.UTF_8), 1, body);
    assertThat(good).isNotEqualTo(bad);
  }
}
