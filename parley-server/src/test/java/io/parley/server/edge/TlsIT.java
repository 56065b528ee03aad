package io.parley.server.edge;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode;
import java.io.IOException;
import java.io.InputStream;
import java.math.BigInteger;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTPS and WSS on the front door (F16) from the JDK's clients, with certificates made in the test:
 * REST, a WebSocket (hello, ping/pong, a message), plaintext refused, a rotated certificate served
 * to new connections without restart while an open one keeps working, and the 308 redirect.
 */
class TlsIT {
  @TempDir Path dir;

  private static JsonNode call(HttpClient http, String url, String token, String body)
      throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b.header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body == null ? "{}" : body));
    HttpResponse<String> r = http.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(url + " " + r.body()).isBetween(200, 299);
    return r.body().isEmpty() ? null : Json.MAPPER.readTree(r.body());
  }

  private static BigInteger servedSerial(int port, SSLContext trust) throws IOException {
    try (SSLSocket s = (SSLSocket) trust.getSocketFactory().createSocket("127.0.0.1", port)) {
      s.startHandshake();
      assertThat(s.getSession().getProtocol()).isIn("TLSv1.3", "TLSv1.2");
      return ((X509Certificate) s.getSession().getPeerCertificates()[0]).getSerialNumber();
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Collects text frames and pongs of a JDK WebSocket. */
  static final class Listener implements WebSocket.Listener {
    final List<JsonNode> frames = new CopyOnWriteArrayList<>();
    final List<String> pongs = new CopyOnWriteArrayList<>();

    @Override
    public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
      try {
        frames.add(Json.MAPPER.readTree(data.toString()));
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
      ws.request(1);
      return null;
    }

    @Override
    public CompletionStage<?> onPong(WebSocket ws, ByteBuffer message) {
      pongs.add(StandardCharsets.UTF_8.decode(message).toString());
      ws.request(1);
      return null;
    }

    JsonNode await(String type) {
      return Awaitility.await()
          .alias("frame " + type)
          .atMost(Duration.ofSeconds(10))
          .until(
              () ->
                  frames.stream()
                      .filter(f -> f.path("type").asText().equals(type))
                      .findFirst()
                      .orElse(null),
              f -> f != null);
    }
  }

  @Test
  void httpsWssRotationPlaintextAndRedirect() throws Exception {
    Path cert = dir.resolve("cert.pem");
    Path key = dir.resolve("key.pem");
    X509Certificate first = TestCerts.generate(dir, "RSA", cert, key);
    int redirectPort = freePort();
    try (TestNode node =
        TestNode.start(
            Map.of(
                "server.tls.cert_file", cert.toString(),
                "server.tls.key_file", key.toString(),
                "server.tls.reload_check_ms", "200",
                "server.tls.redirect_http_port", Integer.toString(redirectPort)))) {
      int port = node.node().port();
      String https = "https://127.0.0.1:" + port;
      SSLContext trustFirst = TestCerts.trusting(first);
      HttpClient http =
          HttpClient.newBuilder()
              .sslContext(trustFirst)
              .connectTimeout(Duration.ofSeconds(5))
              .build();

      // REST over HTTPS
      HttpResponse<String> live =
          http.send(
              HttpRequest.newBuilder(URI.create(https + "/health/live")).build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(live.statusCode()).isEqualTo(200);
      String name = "tls" + System.nanoTime();
      call(
          http,
          https + "/v1/auth/signup",
          null,
          "{\"username\":\"" + name + "\",\"password\":\"secret-pass-1\"}");
      JsonNode session =
          call(
              http,
              https + "/v1/auth/login",
              null,
              "{\"username\":\"" + name + "\",\"password\":\"secret-pass-1\"}");
      String token = session.path("access_token").asText();
      String other = "tlso" + System.nanoTime();
      JsonNode o =
          call(
              http,
              https + "/v1/auth/signup",
              null,
              "{\"username\":\"" + other + "\",\"password\":\"secret-pass-1\"}");
      JsonNode direct =
          call(
              http,
              https + "/v1/conversations/direct",
              token,
              "{\"user_id\":\"" + o.path("user_id").asText() + "\"}");
      String conv = direct.path("conversation_id").asText();

      // WSS: hello, ping/pong, a message and its ack. A client of its own: the JDK client would
      // send the upgrade on a pooled keep-alive connection, which the front door already spliced
      // to the HTTP server (which does not serve /v1/ws).
      Listener l = new Listener();
      WebSocket ws =
          HttpClient.newBuilder()
              .sslContext(trustFirst)
              .build()
              .newWebSocketBuilder()
              .header("Authorization", "Bearer " + token)
              .buildAsync(URI.create("wss://127.0.0.1:" + port + "/v1/ws"), l)
              .get(10, TimeUnit.SECONDS);
      assertThat(l.await("hello").path("user_id").asText())
          .isEqualTo(session.path("user_id").asText());
      ws.sendPing(ByteBuffer.wrap("p1".getBytes(StandardCharsets.UTF_8))).get(5, TimeUnit.SECONDS);
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> l.pongs.contains("p1"));
      ws.sendText(
              "{\"type\":\"send\",\"client_msg_id\":\"m1\",\"conversation_id\":\""
                  + conv
                  + "\",\"body\":{\"kind\":\"text\",\"text\":\"over wss\"}}",
              true)
          .get(5, TimeUnit.SECONDS);
      assertThat(l.await("ack").path("seq").asLong()).isEqualTo(1);

      // plaintext to the TLS port: no HTTP answer, the connection is closed
      try (Socket plain = new Socket("127.0.0.1", port)) {
        plain.setSoTimeout(10_000);
        plain
            .getOutputStream()
            .write(
                "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        InputStream in = plain.getInputStream();
        byte[] buf = new byte[1024];
        int total = 0;
        try {
          int n;
          while ((n = in.read(buf)) > 0) {
            total += n;
            assertThat(new String(buf, 0, n, StandardCharsets.ISO_8859_1))
                .doesNotContain("HTTP/1.1 200");
          }
        } catch (java.net.SocketException reset) {
          // a reset is a clean refusal too
        }
        assertThat(total).isLessThan(1024);
      }

      // rotation: new connections see the new certificate, the open WSS keeps working
      assertThat(servedSerial(port, trustFirst)).isEqualTo(first.getSerialNumber());
      X509Certificate second = TestCerts.generate(dir, "EC", cert, key);
      assertThat(second.getSerialNumber()).isNotEqualTo(first.getSerialNumber());
      SSLContext trustSecond = TestCerts.trusting(second);
      Awaitility.await()
          .alias("new certificate served")
          .atMost(Duration.ofSeconds(10))
          .ignoreExceptions()
          .until(() -> servedSerial(port, trustSecond).equals(second.getSerialNumber()));
      ws.sendText("{\"type\":\"ping\"}", true).get(5, TimeUnit.SECONDS);
      l.await("pong");
      HttpClient http2 = HttpClient.newBuilder().sslContext(trustSecond).build();
      assertThat(
              http2
                  .send(
                      HttpRequest.newBuilder(URI.create(https + "/health/live")).build(),
                      HttpResponse.BodyHandlers.ofString())
                  .statusCode())
          .isEqualTo(200);

      // the redirect listener
      HttpResponse<String> redirect =
          HttpClient.newBuilder()
              .followRedirects(HttpClient.Redirect.NEVER)
              .build()
              .send(
                  HttpRequest.newBuilder(
                          URI.create("http://127.0.0.1:" + redirectPort + "/v1/conversations?x=1"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(redirect.statusCode()).isEqualTo(308);
      assertThat(redirect.headers().firstValue("Location"))
          .hasValue("https://127.0.0.1:" + port + "/v1/conversations?x=1");
      ws.abort();
      CompletableFuture.runAsync(() -> {}).get();
    }
  }
}
