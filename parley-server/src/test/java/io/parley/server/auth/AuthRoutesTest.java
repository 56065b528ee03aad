package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import io.parley.server.config.ParleyConfig;
import io.parley.server.testsupport.ManualClock;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The auth and users endpoints over real HTTP, with the in-memory store. */
class AuthRoutesTest {
  private static final ParleyConfig.Auth AUTH =
      new ParleyConfig.Auth("", 900, 3600, 1024, 1, 1, 3, 32, 8);

  @TempDir Path dataDir;
  private final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final InMemoryUserStore store = new InMemoryUserStore();
  private final HttpClient http = HttpClient.newHttpClient();
  private Vertx vertx;
  private HttpServer server;
  private String base;

  /** Status and parsed JSON body (null when empty). */
  record Res(int status, JsonNode body) {
    String str(String field) {
      return body.path(field).asText(null);
    }

    String errorCode() {
      return body.path("error").path("code").asText(null);
    }
  }

  @BeforeEach
  void start() throws Exception {
    AtomicLong ids = new AtomicLong(7_000_000_000_000L);
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    AuthService auth =
        new AuthService(AUTH, store, new PasswordHasher(AUTH), tokens, ids::incrementAndGet, clock);
    vertx = Vertx.vertx();
    Router router = Router.router(vertx);
    router.route("/v1/*").handler(BodyHandler.create().setBodyLimit(1_048_576));
    new AuthRoutes(auth, tokens).mount(router);
    new DeviceRoutes(auth, tokens).mount(router);
    server =
        vertx
            .createHttpServer()
            .requestHandler(router)
            .listen(0, "127.0.0.1")
            .toCompletionStage()
            .toCompletableFuture()
            .get(10, TimeUnit.SECONDS);
    base = "http://127.0.0.1:" + server.actualPort();
  }

  @AfterEach
  void stop() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  private Res call(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      b.header("Content-Type", "application/json");
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode json = r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
    return new Res(r.statusCode(), json);
  }

  private Res post(String path, String token, Object body) throws Exception {
    return call("POST", path, token, body == null ? null : Json.write(body));
  }

  private Res get(String path, String token) throws Exception {
    return call("GET", path, token, null);
  }

  private Res signup(String username, String password) throws Exception {
    return post("/v1/auth/signup", null, Map.of("username", username, "password", password));
  }

  private Res login(String username, String password) throws Exception {
    return post("/v1/auth/login", null, Map.of("username", username, "password", password));
  }

  @Test
  void signupCreatesAndRejectsDuplicates() throws Exception {
    Res r = signup("alice", "password1");
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.str("username")).isEqualTo("alice");
    assertThat(r.body().get("user_id").isTextual()).isTrue();
    assertThat(Long.parseLong(r.str("user_id"))).isPositive();

    Res dup = signup("alice", "password2");
    assertThat(dup.status()).isEqualTo(409);
    assertThat(dup.errorCode()).isEqualTo("conflict");
    assertThat(signup("ALICE", "password2").status()).isEqualTo(409);
  }

  @Test
  void signupValidatesInput() throws Exception {
    for (String bad : new String[] {"ab", "a".repeat(33), "has space", "émile", "semi;colon"}) {
      Res r = signup(bad, "password1");
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_argument");
    }
    assertThat(signup("a.b-c_9", "password1").status()).isEqualTo(201);
    Res shortPw = signup("bob", "short");
    assertThat(shortPw.status()).isEqualTo(400);
    assertThat(shortPw.errorCode()).isEqualTo("invalid_argument");
    assertThat(post("/v1/auth/signup", null, Map.of("username", "bob")).errorCode())
        .isEqualTo("invalid_argument");
    assertThat(
            post("/v1/auth/signup", null, Map.of("username", 5, "password", "password1"))
                .errorCode())
        .isEqualTo("invalid_argument");
    Res longName =
        post(
            "/v1/auth/signup",
            null,
            Map.of("username", "carol", "password", "password1", "display_name", "x".repeat(65)));
    assertThat(longName.status()).isEqualTo(400);
    assertThat(store.findUserByUsername("bob")).isEmpty();
    assertThat(store.findUserByUsername("carol")).isEmpty();
  }

  @Test
  void malformedJsonIs400() throws Exception {
    for (String body : new String[] {"{", "[]", "\"x\"", "null", ""}) {
      Res r = call("POST", "/v1/auth/signup", null, body);
      assertThat(r.status()).as(body).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_argument");
    }
    assertThat(call("POST", "/v1/auth/login", null, "{nope").status()).isEqualTo(400);
    assertThat(call("POST", "/v1/auth/refresh", null, "{}").status()).isEqualTo(400);
  }

  @Test
  void loginIssuesTokensAndFailuresLookAlike() throws Exception {
    String userId = signup("alice", "password1").str("user_id");
    Res ok =
        post(
            "/v1/auth/login",
            null,
            Map.of("username", "Alice", "password", "password1", "device_name", "laptop"));
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.str("user_id")).isEqualTo(userId);
    assertThat(ok.body().get("device_id").isTextual()).isTrue();
    assertThat(ok.str("access_token")).isNotBlank();
    assertThat(ok.str("refresh_token")).matches("[A-Za-z0-9_-]{43}");
    assertThat(ok.body().get("expires_in").asLong()).isEqualTo(900);
    long deviceId = Long.parseLong(ok.str("device_id"));
    assertThat(store.findDevice(deviceId).orElseThrow().name()).isEqualTo("laptop");
    assertThat(store.devices(Long.parseLong(userId))).hasSize(1);

    Res wrongPw = login("alice", "password2");
    Res unknown = login("nobody", "password1");
    assertThat(wrongPw.status()).isEqualTo(401);
    assertThat(unknown.status()).isEqualTo(401);
    assertThat(wrongPw.errorCode()).isEqualTo("unauthorized");
    assertThat(wrongPw.body()).isEqualTo(unknown.body());
    assertThat(wrongPw.body().path("error").path("message").asText())
        .isEqualTo("invalid credentials");

    // a second login is a second device
    String second = login("alice", "password1").str("device_id");
    assertThat(second).isNotEqualTo(ok.str("device_id"));
    assertThat(store.devices(Long.parseLong(userId))).hasSize(2);
  }

  @Test
  void accessTokenAuthenticatesAndExpires() throws Exception {
    String userId = signup("alice", "password1").str("user_id");
    String token = login("alice", "password1").str("access_token");
    Res me = get("/v1/users/me", token);
    assertThat(me.status()).isEqualTo(200);
    assertThat(me.str("user_id")).isEqualTo(userId);
    assertThat(me.str("username")).isEqualTo("alice");
    assertThat(me.str("display_name")).isEqualTo("alice");
    assertThat(me.body().has("avatar_media_id")).isTrue();

    assertThat(get("/v1/users/me", null).status()).isEqualTo(401);
    assertThat(get("/v1/users/me", "nonsense").errorCode()).isEqualTo("unauthorized");
    String tampered = token.substring(0, token.length() - 3) + "AAA";
    if (tampered.equals(token)) {
      tampered = token.substring(0, token.length() - 3) + "BBB";
    }
    assertThat(get("/v1/users/me", tampered).status()).isEqualTo(401);

    clock.advance(Duration.ofSeconds(901));
    Res expired = get("/v1/users/me", token);
    assertThat(expired.status()).isEqualTo(401);
    assertThat(expired.errorCode()).isEqualTo("unauthorized");
  }

  @Test
  void refreshRotatesAndReuseRevokesTheDevice() throws Exception {
    signup("alice", "password1");
    Res login = login("alice", "password1");
    String r1 = login.str("refresh_token");

    Res refreshed = post("/v1/auth/refresh", null, Map.of("refresh_token", r1));
    assertThat(refreshed.status()).isEqualTo(200);
    String a2 = refreshed.str("access_token");
    String r2 = refreshed.str("refresh_token");
    assertThat(r2).isNotEqualTo(r1);
    assertThat(refreshed.body().get("expires_in").asLong()).isEqualTo(900);
    assertThat(get("/v1/users/me", a2).status()).isEqualTo(200);

    // replaying the consumed token after the grace window: rejected, and the device is revoked
    clock.advance(java.time.Duration.ofSeconds(11));
    Res replay = post("/v1/auth/refresh", null, Map.of("refresh_token", r1));
    assertThat(replay.status()).isEqualTo(401);
    assertThat(replay.errorCode()).isEqualTo("unauthorized");
    assertThat(post("/v1/auth/refresh", null, Map.of("refresh_token", r2)).status()).isEqualTo(401);
    assertThat(get("/v1/users/me", a2).status()).isEqualTo(401);
    assertThat(get("/v1/users/me", login.str("access_token")).status()).isEqualTo(401);

    // logging in again gives a fresh, working device
    assertThat(get("/v1/users/me", login("alice", "password1").str("access_token")).status())
        .isEqualTo(200);
    assertThat(post("/v1/auth/refresh", null, Map.of("refresh_token", "bogus")).status())
        .isEqualTo(401);
  }

  @Test
  void logoutRevokesOnlyTheCallingDevice() throws Exception {
    signup("alice", "password1");
    Res phone = login("alice", "password1");
    Res laptop = login("alice", "password1");
    String token = phone.str("access_token");
    assertThat(get("/v1/users/me", token).status()).isEqualTo(200);

    assertThat(post("/v1/auth/logout", null, null).status()).isEqualTo(401);
    Res out = post("/v1/auth/logout", token, null);
    assertThat(out.status()).isEqualTo(204);
    assertThat(out.body()).isNull();

    assertThat(get("/v1/users/me", token).status()).isEqualTo(401);
    assertThat(
            post("/v1/auth/refresh", null, Map.of("refresh_token", phone.str("refresh_token")))
                .status())
        .isEqualTo(401);
    assertThat(get("/v1/users/me", laptop.str("access_token")).status()).isEqualTo(200);
    assertThat(
            post("/v1/auth/refresh", null, Map.of("refresh_token", laptop.str("refresh_token")))
                .status())
        .isEqualTo(200);
  }

  @Test
  void profilePatchAndLookups() throws Exception {
    String aliceId = signup("alice", "password1").str("user_id");
    String bobId =
        post(
                "/v1/auth/signup",
                null,
                Map.of("username", "Bob", "password", "password1", "display_name", "Bobby"))
            .str("user_id");
    String token = login("alice", "password1").str("access_token");

    Res patched =
        call(
            "PATCH",
            "/v1/users/me",
            token,
            "{\"display_name\":\"Alice A.\",\"about\":\"hi there\",\"avatar_media_id\":\"123\"}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.str("display_name")).isEqualTo("Alice A.");
    assertThat(patched.str("about")).isEqualTo("hi there");
    assertThat(patched.str("avatar_media_id")).isEqualTo("123");

    // partial patch keeps the other fields
    Res partial = call("PATCH", "/v1/users/me", token, "{\"about\":\"\"}");
    assertThat(partial.str("display_name")).isEqualTo("Alice A.");
    assertThat(partial.str("about")).isEmpty();
    assertThat(partial.str("avatar_media_id")).isEqualTo("123");
    assertThat(get("/v1/users/me", token).str("display_name")).isEqualTo("Alice A.");

    for (String bad :
        new String[] {
          "{\"display_name\":\"" + "x".repeat(65) + "\"}",
          "{\"display_name\":\"  \"}",
          "{\"about\":\"" + "y".repeat(257) + "\"}",
          "{\"avatar_media_id\":\"abc\"}",
          "{\"display_name\":7}",
          "{oops"
        }) {
      Res r = call("PATCH", "/v1/users/me", token, bad);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_argument");
    }
    assertThat(get("/v1/users/me", token).str("display_name")).isEqualTo("Alice A.");

    Res bob = get("/v1/users/" + bobId, token);
    assertThat(bob.status()).isEqualTo(200);
    assertThat(bob.str("username")).isEqualTo("Bob");
    assertThat(bob.str("display_name")).isEqualTo("Bobby");
    assertThat(bob.str("user_id")).isEqualTo(bobId);

    Res byName =
        get("/v1/users?username=" + URLEncoder.encode("bob", StandardCharsets.UTF_8), token);
    assertThat(byName.status()).isEqualTo(200);
    assertThat(byName.str("user_id")).isEqualTo(bobId);
    assertThat(get("/v1/users?username=alice", token).str("user_id")).isEqualTo(aliceId);

    assertThat(get("/v1/users?username=nobody", token).errorCode()).isEqualTo("not_found");
    assertThat(get("/v1/users", token).errorCode()).isEqualTo("invalid_argument");
    assertThat(get("/v1/users/999", token).status()).isEqualTo(404);
    assertThat(get("/v1/users/abc", token).status()).isEqualTo(400);
    assertThat(get("/v1/users/" + bobId, null).status()).isEqualTo(401);
    assertThat(get("/v1/users?username=bob", null).status()).isEqualTo(401);
  }

  @Test
  void privacyIsPatchedValidatedAndShownOnlyToTheUser() throws Exception {
    signup("alice", "password1");
    Res bobUp = signup("bob", "password1");
    String token = login("alice", "password1").str("access_token");
    Res me = get("/v1/users/me", token);
    assertThat(me.body().path("privacy").path("last_seen").asText()).isEqualTo("contacts");
    assertThat(me.body().path("privacy").path("online").asText()).isEqualTo("contacts");

    Res patched = call("PATCH", "/v1/users/me", token, "{\"privacy\":{\"last_seen\":\"nobody\"}}");
    assertThat(patched.status()).isEqualTo(200);
    assertThat(patched.body().path("privacy").path("last_seen").asText()).isEqualTo("nobody");
    assertThat(patched.body().path("privacy").path("online").asText()).isEqualTo("contacts");
    patched =
        call(
            "PATCH",
            "/v1/users/me",
            token,
            "{\"about\":\"x\",\"privacy\":{\"online\":\"everyone\"}}");
    assertThat(patched.str("about")).isEqualTo("x");
    assertThat(patched.body().path("privacy").path("online").asText()).isEqualTo("everyone");

    for (String bad :
        new String[] {
          "{\"privacy\":\"nobody\"}",
          "{\"privacy\":{\"last_seen\":\"friends\"}}",
          "{\"privacy\":{\"last_seen\":null}}",
          "{\"privacy\":{\"typing\":\"nobody\"}}",
          "{\"about\":\"changed\",\"privacy\":{\"online\":3}}"
        }) {
      Res r = call("PATCH", "/v1/users/me", token, bad);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.errorCode()).isEqualTo("invalid_argument");
    }
    me = get("/v1/users/me", token);
    assertThat(me.str("about")).isEqualTo("x");
    assertThat(me.body().path("privacy").path("last_seen").asText()).isEqualTo("nobody");
    assertThat(me.body().path("privacy").path("online").asText()).isEqualTo("everyone");
    // others' profiles never carry it
    assertThat(get("/v1/users/" + bobUp.str("user_id"), token).body().has("privacy")).isFalse();
    assertThat(get("/v1/users/" + me.str("user_id"), token).body().has("privacy")).isFalse();
  }

  @Test
  void devicesAreListedAndRevokedOnlyByTheirUser() throws Exception {
    signup("alice", "password1");
    signup("bob", "password1");
    Res phone = login("alice", "password1");
    Res laptop = login("alice", "password1");
    Res bob = login("bob", "password1");
    Res list = get("/v1/devices", phone.str("access_token"));
    assertThat(list.status()).isEqualTo(200);
    assertThat(list.body().path("devices")).hasSize(2);
    assertThat(list.body().path("devices").get(0).path("device_id").asText())
        .isEqualTo(phone.str("device_id"));
    assertThat(list.body().path("devices").get(0).path("current").asBoolean()).isTrue();
    assertThat(list.body().path("devices").get(1).path("current").asBoolean()).isFalse();

    // another user's device, an unknown one and a bad id
    String bobDevice = bob.str("device_id");
    assertThat(call("DELETE", "/v1/devices/" + bobDevice, phone.str("access_token"), null).status())
        .isEqualTo(404);
    assertThat(get("/v1/users/me", bob.str("access_token")).status()).isEqualTo(200);
    assertThat(call("DELETE", "/v1/devices/424242", phone.str("access_token"), null).status())
        .isEqualTo(404);
    assertThat(call("DELETE", "/v1/devices/abc", phone.str("access_token"), null).status())
        .isEqualTo(400);
    assertThat(call("DELETE", "/v1/devices/" + bobDevice, null, null).status()).isEqualTo(401);

    Res revoked =
        call("DELETE", "/v1/devices/" + laptop.str("device_id"), phone.str("access_token"), null);
    assertThat(revoked.status()).isEqualTo(204);
    assertThat(get("/v1/users/me", laptop.str("access_token")).status()).isEqualTo(401);
    assertThat(
            post("/v1/auth/refresh", null, Map.of("refresh_token", laptop.str("refresh_token")))
                .status())
        .isEqualTo(401);
    assertThat(get("/v1/devices", phone.str("access_token")).body().path("devices")).hasSize(1);
    // idempotent
    assertThat(
            call(
                    "DELETE",
                    "/v1/devices/" + laptop.str("device_id"),
                    phone.str("access_token"),
                    null)
                .status())
        .isEqualTo(204);
  }
}
