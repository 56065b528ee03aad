package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * HTTP hygiene with clients we did not write (the JDK HttpClient and raw sockets): body read and
 * idle timeouts, 415, strict JSON (trailing content, duplicate keys) on REST and WebSocket, 405
 * with Allow, security headers, CORS allow-list on and off, messages free of parser internals, seq
 * overflow, a REST read visible at once, and owner-only SQLite files.
 */
class HttpHygieneIT {
  static final String ORIGIN = "https://chat.example.com";
  static TestNode node;
  static Path dataDir;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() throws IOException {
    dataDir = Files.createTempDirectory("parley-hygiene-").resolve("nested").resolve("data");
    Map<String, String> o = new HashMap<>();
    o.put("server.body_read_timeout_ms", "1000");
    o.put("server.idle_timeout_seconds", "2");
    o.put("store.data_dir", dataDir.toString());
    node = TestNode.start(o);
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static HttpResponse<String> call(
      String method, String path, String token, String body, String contentType, String origin)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (contentType != null) {
      b.header("Content-Type", contentType);
    }
    if (origin != null) {
      b.header("Origin", origin);
    }
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  private static HttpResponse<String> json(String method, String path, String token, String body)
      throws Exception {
    return call(method, path, token, body, "application/json", null);
  }

  private static JsonNode body(HttpResponse<String> r) {
    return io.parley.protocol.Json.read(r.body(), JsonNode.class);
  }

  private static void assertError(HttpResponse<String> r, int status, String code) {
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    assertThat(body(r).path("error").path("code").asText()).isEqualTo(code);
  }

  /** No Jackson class names, source dumps or "line: col" pairs in a client-visible message. */
  private static void assertNoParserInternals(String message) {
    assertThat(message)
        .doesNotContain("com.fasterxml")
        .doesNotContain("jackson")
        .doesNotContain("[Source")
        .doesNotContain("line:")
        .doesNotContain("`")
        .doesNotContain("Exception");
  }

  private static String name() {
    return "h_" + UUID.randomUUID().toString().substring(0, 8);
  }

  private static String readAll(InputStream in) throws IOException {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    in.transferTo(out);
    return out.toString(StandardCharsets.ISO_8859_1);
  }

  @Test
  void aTrickledBodyIsCutOffWith408() throws Exception {
    ScheduledExecutorService trickle = Executors.newSingleThreadScheduledExecutor();
    try (Socket s = new Socket("127.0.0.1", node.node().port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /v1/auth/signup HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                  + "Content-Length: 200\r\n\r\n{")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      long t0 = System.nanoTime();
      // one byte every 100 ms: 200 bytes would take 20 s
      trickle.scheduleAtFixedRate(
          () -> {
            try {
              out.write(' ');
              out.flush();
            } catch (IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          },
          100,
          100,
          TimeUnit.MILLISECONDS);
      String response = readAll(s.getInputStream()); // ends when the server closes
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(response).startsWith("HTTP/1.1 408");
      assertThat(response).contains("request_timeout");
      assertThat(ms).isBetween(900L, 5_000L);
    } finally {
      trickle.shutdownNow();
    }
  }

  @Test
  void anIdleConnectionIsClosed() throws Exception {
    try (Socket s = new Socket("127.0.0.1", node.node().port())) {
      s.setSoTimeout(10_000);
      long t0 = System.nanoTime();
      assertThat(s.getInputStream().read()).as("closed by the server").isEqualTo(-1);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(ms).isBetween(1_500L, 6_000L);
    }
  }

  @Test
  void jsonEndpointsRefuseOtherContentTypesWith415() throws Exception {
    String ok = "{\"username\":\"" + name() + "\",\"password\":\"correct horse battery\"}";
    assertError(
        call("POST", "/v1/auth/signup", null, ok, "text/plain", null),
        415,
        "unsupported_media_type");
    assertError(
        call("POST", "/v1/auth/signup", null, ok, null, null), 415, "unsupported_media_type");
    assertError(
        call("POST", "/v1/auth/signup", null, ok, "application/x-www-form-urlencoded", null),
        415,
        "unsupported_media_type");
    assertThat(
            call("POST", "/v1/auth/signup", null, ok, "application/json; charset=utf-8", null)
                .statusCode())
        .isEqualTo(201);
  }

  @Test
  void trailingContentAndDuplicateKeysAreRejectedPrecisely() throws Exception {
    String n = name();
    HttpResponse<String> trailing =
        json(
            "POST",
            "/v1/auth/signup",
            null,
            "{\"username\":\"" + n + "\",\"password\":\"correct horse battery\"} {\"x\":1}");
    assertError(trailing, 400, "invalid_argument");
    String m = body(trailing).path("error").path("message").asText();
    assertThat(m).contains("unexpected content after the JSON value").contains("line 1, column");
    assertNoParserInternals(m);

    HttpResponse<String> dup =
        json(
            "POST",
            "/v1/auth/signup",
            null,
            "{\"username\":\"" + n + "\",\"username\":\"other\",\"password\":\"correct horse\"}");
    assertError(dup, 400, "invalid_argument");
    m = body(dup).path("error").path("message").asText();
    assertThat(m).contains("duplicate field 'username'");
    assertNoParserInternals(m);

    HttpResponse<String> broken = json("POST", "/v1/auth/signup", null, "{\"username\": tru}");
    assertError(broken, 400, "invalid_argument");
    m = body(broken).path("error").path("message").asText();
    assertThat(m).startsWith("malformed JSON: ");
    assertNoParserInternals(m);

    // nothing was stored by the refused requests: the name is still free
    assertThat(
            json(
                    "POST",
                    "/v1/auth/signup",
                    null,
                    "{\"username\":\"" + n + "\",\"password\":\"correct horse battery\"}")
                .statusCode())
        .isEqualTo(201);
  }

  @Test
  void framesAreParsedStrictlyToo() throws Exception {
    TestNode.TestUser u = node.user("frames");
    JdkWs ws = JdkWs.connect(http, node.baseUrl(), u.session().accessToken());
    ws.next("synced");
    ws.send("{\"type\":\"ping\",\"type\":\"ping\"}");
    JsonNode dup = ws.next("error");
    assertThat(dup.path("code").asText()).isEqualTo("bad_frame");
    assertThat(dup.path("message").asText()).contains("duplicate field 'type'");
    assertNoParserInternals(dup.path("message").asText());
    ws.send("{\"type\":\"ping\"} {\"type\":\"ping\"}");
    JsonNode trailing = ws.next("error");
    assertThat(trailing.path("message").asText()).contains("unexpected content");
    assertNoParserInternals(trailing.path("message").asText());
    ws.send("{\"type\":\"ping\"} trailing");
    JsonNode token = ws.next("error");
    assertThat(token.path("message").asText())
        .isEqualTo("malformed JSON: unrecognized token 'trailing' at line 1, column 25");
    // no bad frame was answered: only the marker's pong follows
    assertThat(ws.untilPong()).isEmpty();
    ws.abort();
  }

  @Test
  void aWrongMethodOnAKnownPathIs405WithAllow() throws Exception {
    HttpResponse<String> r = call("DELETE", "/v1/auth/login", null, null, null, null);
    assertError(r, 405, "method_not_allowed");
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
    r = call("PUT", "/v1/conversations", null, null, null, null);
    assertError(r, 405, "method_not_allowed");
    assertThat(r.headers().firstValue("Allow")).hasValue("GET");
    r = call("PUT", "/v1/users/me", null, null, null, null);
    assertThat(r.headers().firstValue("Allow")).hasValue("GET, PATCH");
    r = call("GET", "/v1/groups/123/members", null, null, null, null);
    assertError(r, 405, "method_not_allowed");
    assertThat(r.headers().firstValue("Allow")).hasValue("POST");
    assertError(call("GET", "/v1/nowhere", null, null, null, null), 404, "not_found");
  }

  @Test
  void responsesCarrySecurityHeadersAndTokensAreNotCached() throws Exception {
    String n = name();
    json(
        "POST",
        "/v1/auth/signup",
        null,
        "{\"username\":\"" + n + "\",\"password\":\"correct horse battery\"}");
    HttpResponse<String> login =
        json(
            "POST",
            "/v1/auth/login",
            null,
            "{\"username\":\"" + n + "\",\"password\":\"correct horse battery\"}");
    assertThat(login.statusCode()).isEqualTo(200);
    for (HttpResponse<String> r :
        List.of(login, call("GET", "/health/live", null, null, null, null))) {
      assertThat(r.headers().firstValue("X-Content-Type-Options")).hasValue("nosniff");
      assertThat(r.headers().firstValue("X-Frame-Options")).hasValue("DENY");
      assertThat(r.headers().firstValue("Referrer-Policy")).hasValue("no-referrer");
      assertThat(r.headers().firstValue("Content-Security-Policy").orElseThrow())
          .contains("default-src 'none'");
    }
    assertThat(login.headers().firstValue("Cache-Control")).hasValue("no-store");
    // CORS is off by default: no CORS headers, even for a preflight
    HttpResponse<String> preflight = preflight(node, ORIGIN);
    assertThat(preflight.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
    assertThat(
            call("GET", "/health/live", null, null, null, ORIGIN)
                .headers()
                .firstValue("Access-Control-Allow-Origin"))
        .isEmpty();
  }

  private static HttpResponse<String> preflight(TestNode n, String origin) throws Exception {
    return http.send(
        HttpRequest.newBuilder(URI.create(n.baseUrl() + "/v1/auth/login"))
            .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
            .header("Origin", origin)
            .header("Access-Control-Request-Method", "POST")
            .header("Access-Control-Request-Headers", "content-type")
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void corsAllowsOnlyTheConfiguredOrigins() throws Exception {
    try (TestNode cors =
        TestNode.start(Map.of("server.cors_allowed_origins", ORIGIN + ", http://localhost:3000"))) {
      HttpResponse<String> ok = preflight(cors, ORIGIN);
      assertThat(ok.statusCode()).isBetween(200, 204);
      assertThat(ok.headers().firstValue("Access-Control-Allow-Origin")).hasValue(ORIGIN);
      assertThat(ok.headers().firstValue("Access-Control-Allow-Methods").orElseThrow())
          .contains("POST");
      HttpResponse<String> get =
          http.send(
              HttpRequest.newBuilder(URI.create(cors.baseUrl() + "/health/live"))
                  .header("Origin", "http://localhost:3000")
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(get.headers().firstValue("Access-Control-Allow-Origin"))
          .hasValue("http://localhost:3000");
      HttpResponse<String> evil = preflight(cors, "https://evil.example");
      assertThat(evil.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
      assertThat(evil.statusCode()).isEqualTo(403);
    }
  }

  @Test
  void aSeqBeyondLongIsRejectedAndAReadIsVisibleAtOnce() throws Exception {
    TestNode.TestUser alice = node.user("ra");
    TestNode.TestUser bob = node.user("rb");
    String conv = alice.http().createDirect(bob.id());
    for (int i = 1; i <= 6; i++) {
      alice.http().sendRest(conv, "c" + i, io.parley.client.Bodies.text("m" + i));
    }
    String token = bob.session().accessToken();
    HttpResponse<String> overflow =
        json("POST", "/v1/conversations/" + conv + "/read", token, "{\"seq\":9223372036854775808}");
    assertError(overflow, 400, "invalid_argument");
    assertThat(body(overflow).path("error").path("message").asText()).contains("seq");
    assertThat(readState(token, conv).path("last_read_seq").asLong()).isZero();
    for (int seq = 1; seq <= 6; seq++) {
      assertThat(
              json("POST", "/v1/conversations/" + conv + "/read", token, "{\"seq\":" + seq + "}")
                  .statusCode())
          .isEqualTo(204);
      JsonNode c = readState(token, conv);
      assertThat(c.path("last_read_seq").asLong()).as("right after read %d", seq).isEqualTo(seq);
      assertThat(c.path("unread_count").asLong()).isEqualTo(6 - seq);
    }
  }

  private static JsonNode readState(String token, String conv) throws Exception {
    HttpResponse<String> r = call("GET", "/v1/conversations", token, null, null, null);
    for (JsonNode c : body(r).path("conversations")) {
      if (c.path("conversation_id").asText().equals(conv)) {
        return c;
      }
    }
    throw new AssertionError("conversation " + conv + " not listed: " + r.body());
  }

  @Test
  void sqliteFilesAreOwnerOnly() throws Exception {
    node.user("files"); // a write, so the WAL and shared-memory files exist
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir)))
        .isEqualTo("rwx------");
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> Files.exists(dataDir.resolve("parley.db-wal")));
    for (String f : List.of("parley.db", "parley.db-wal", "parley.db-shm")) {
      assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(dataDir.resolve(f))))
          .as(f)
          .isEqualTo("rw-------");
    }
  }
}
