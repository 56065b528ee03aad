package io.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.protocol.ErrorCode;
import io.parley.protocol.MessageView;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ParleyHttp against the REST subset of {@link FakeParleyServer}. */
class ParleyHttpTest {
  private FakeParleyServer server;
  private ParleyHttp http;

  @BeforeEach
  void start() throws Exception {
    server = new FakeParleyServer(30_000);
    http = new ParleyHttp(server.baseUrl());
  }

  @AfterEach
  void stop() throws Exception {
    server.close();
  }

  @Test
  void signupLoginAndMe() {
    Api.SignedUp u = http.signup("alice", "secret-pw");
    assertThat(u.username()).isEqualTo("alice");
    Api.Session s = http.login("alice", "secret-pw");
    assertThat(s.userId()).isEqualTo(u.userId());
    assertThat(s.accessToken()).isNotBlank();
    assertThat(s.deviceId()).isNotBlank();
    assertThat(s.expiresIn()).isEqualTo(900);
    assertThat(http.as(s).me().username()).isEqualTo("alice");
  }

  @Test
  void duplicateSignupRaisesConflict() {
    http.signup("bob", "pw");
    assertThatThrownBy(() -> http.signup("bob", "pw"))
        .isInstanceOfSatisfying(
            ParleyApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(409);
              assertThat(e.code()).isEqualTo("conflict");
              assertThat(e.errorCode()).isEqualTo(ErrorCode.CONFLICT);
              assertThat(e.errorMessage()).isEqualTo("username taken");
            });
  }

  @Test
  void missingTokenRaisesUnauthorized() {
    assertThatThrownBy(() -> http.me())
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.code()).isEqualTo("unauthorized"));
  }

  @Test
  void rateLimitedCarriesRetryAfter() {
    assertThatThrownBy(() -> http.call("POST", "/v1/test/rate", null))
        .isInstanceOfSatisfying(
            ParleyApiException.class,
            e -> {
              assertThat(e.status()).isEqualTo(429);
              assertThat(e.code()).isEqualTo("rate_limited");
              assertThat(e.retryAfterSeconds()).isEqualTo(7L);
            });
  }

  @Test
  void directSendRestAndHistory() {
    Api.Session a = http.signupAndLogin("carol", "pw");
    Api.Session b = http.signupAndLogin("dave", "pw");
    ParleyHttp ah = http.as(a);
    String conv = ah.createDirect(b.userId());
    assertThat(http.as(b).createDirect(a.userId())).isEqualTo(conv);
    MessageView m = ah.sendRest(conv, "c-1", Bodies.text("hello"));
    ah.sendRest(conv, "c-2", Bodies.text("again"));
    assertThat(m.seq()).isEqualTo(1);
    assertThat(m.text()).isEqualTo("hello");
    Api.HistoryPage page = ah.history(conv, null, 0L, 1);
    assertThat(page.hasMore()).isTrue();
    assertThat(page.messages()).extracting(MessageView::text).containsExactly("hello");
  }

  @Test
  void unknownRouteRaisesNotFound() {
    Api.Session a = http.signupAndLogin("erin", "pw");
    assertThatThrownBy(() -> http.as(a).getGroup("nope"))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(404));
  }
}
