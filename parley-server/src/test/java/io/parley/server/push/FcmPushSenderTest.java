package io.parley.server.push;

import static org.assertj.core.api.Assertions.assertThat;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.interfaces.DecodedJWT;
import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.push.FakeProvider.Answer;
import io.parley.server.push.PushSender.Outcome;
import io.parley.server.push.PushSender.Result;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.interfaces.RSAPublicKey;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** FCM HTTP v1 against a real local server that checks the OAuth2 flow and the message format. */
class FcmPushSenderTest {
  private static final String EMAIL = "parley@parley-test.iam.gserviceaccount.com";
  private static final Notification N =
      new Notification("Alice", "hi there", "42", Map.of("conversation_id", "42"), 1);

  @TempDir Path dir;
  private FakeProvider fake;
  private KeyPair keys;
  private FcmPushSender sender;
  private final AtomicInteger tokensIssued = new AtomicInteger();
  private volatile Answer sendAnswer = Answer.of(200, "{\"name\":\"projects/p/messages/1\"}");

  @BeforeEach
  void setUp() throws Exception {
    fake = new FakeProvider();
    keys = ProviderKeys.rsa();
    Path sa = ProviderKeys.serviceAccount(dir, keys, EMAIL, fake.url() + "/token");
    fake.answer(
        r -> {
          if (r.path().equals("/token")) {
            Map<String, String> form = form(r.body());
            assertThat(form.get("grant_type"))
                .isEqualTo("urn:ietf:params:oauth:grant-type:jwt-bearer");
            DecodedJWT jwt =
                JWT.require(Algorithm.RSA256((RSAPublicKey) keys.getPublic(), null))
                    .withIssuer(EMAIL)
                    .withAudience(fake.url() + "/token")
                    .withClaim("scope", FcmPushSender.SCOPE)
                    .build()
                    .verify(form.get("assertion"));
            assertThat(jwt.getExpiresAtAsInstant()).isAfter(jwt.getIssuedAtAsInstant());
            return Answer.of(
                200,
                "{\"access_token\":\"at-"
                    + tokensIssued.incrementAndGet()
                    + "\",\"expires_in\":3599,\"token_type\":\"Bearer\"}");
          }
          assertThat(r.method()).isEqualTo("POST");
          assertThat(r.path()).isEqualTo("/v1/projects/proj-1/messages:send");
          assertThat(r.header("Authorization")).isEqualTo("Bearer at-" + tokensIssued.get());
          JsonNode m = FakeProvider.json(r.body()).path("message");
          assertThat(m.path("token").asText()).isEqualTo("device-token-1");
          assertThat(m.path("notification").path("title").asText()).isEqualTo("Alice");
          assertThat(m.path("notification").path("body").asText()).isEqualTo("hi there");
          assertThat(m.path("data").path("conversation_id").asText()).isEqualTo("42");
          assertThat(m.path("android").path("collapse_key").asText()).isEqualTo("42");
          return sendAnswer;
        });
    sender = new FcmPushSender("proj-1", sa, fake.url(), Duration.ofSeconds(5), Clock.systemUTC());
  }

  @AfterEach
  void tearDown() {
    fake.close();
  }

  @Test
  void sendsWithACachedAccessToken() {
    assertThat(sender.send("device-token-1", N)).isEqualTo(Result.ok());
    assertThat(sender.send("device-token-1", N)).isEqualTo(Result.ok());
    assertThat(tokensIssued.get()).isEqualTo(1);
    assertThat(fake.count("/v1/projects")).isEqualTo(2);
  }

  @Test
  void classifiesProviderAnswers() {
    sendAnswer =
        new Answer(
            429, Map.of("Retry-After", "7"), "{\"error\":{\"status\":\"RESOURCE_EXHAUSTED\"}}");
    Result r = sender.send("device-token-1", N);
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.retryAfterMs()).isEqualTo(7000);

    sendAnswer = Answer.of(503, "{\"error\":{\"status\":\"UNAVAILABLE\"}}");
    r = sender.send("device-token-1", N);
    assertThat(r.outcome()).isEqualTo(Outcome.RETRY);
    assertThat(r.retryAfterMs()).isNull();

    sendAnswer =
        Answer.of(
            404,
            "{\"error\":{\"code\":404,\"status\":\"NOT_FOUND\",\"details\":[{\"@type\":"
                + "\"type.googleapis.com/google.firebase.fcm.v1.FcmError\","
                + "\"errorCode\":\"UNREGISTERED\"}]}}");
    assertThat(sender.send("device-token-1", N).outcome()).isEqualTo(Outcome.INVALID_TOKEN);

    sendAnswer = Answer.of(400, "{\"error\":{\"status\":\"INVALID_ARGUMENT\"}}");
    assertThat(sender.send("device-token-1", N).outcome()).isEqualTo(Outcome.FAILED);
  }

  @Test
  void aRejectedAccessTokenIsRenewed() {
    sendAnswer = Answer.of(401, "{\"error\":{\"status\":\"UNAUTHENTICATED\"}}");
    assertThat(sender.send("device-token-1", N).outcome()).isEqualTo(Outcome.RETRY);
    sendAnswer = Answer.of(200, "{}");
    assertThat(sender.send("device-token-1", N)).isEqualTo(Result.ok());
    assertThat(tokensIssued.get()).isEqualTo(2);
  }

  private static Map<String, String> form(String body) {
    Map<String, String> out = new HashMap<>();
    for (String kv : body.split("&")) {
      int i = kv.indexOf('=');
      out.put(
          URLDecoder.decode(kv.substring(0, i), StandardCharsets.UTF_8),
          URLDecoder.decode(kv.substring(i + 1), StandardCharsets.UTF_8));
    }
    return out;
  }
}
