package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The front door on the public port: request heads are bounded in size (431) and time (dropped),
 * and everything that is not a WebSocket upgrade reaches the HTTP server through the relay,
 * keep-alive included. Raw sockets, so every byte is ours.
 */
class FrontDoorIT {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("server.header_timeout_ms", "500"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static Socket socket() throws IOException {
    Socket s = new Socket("127.0.0.1", node.node().port());
    s.setSoTimeout(10_000);
    return s;
  }

  @Test
  void oversizedHeadGets431() throws Exception {
    try (Socket s = socket()) {
      OutputStream out = s.getOutputStream();
      out.write("GET /health/live HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      out.write(("X-Big: " + "a".repeat(20_000) + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
      out.flush();
      assertThat(RawWebSocket.readHead(s.getInputStream())).startsWith("HTTP/1.1 431");
    }
  }

  @Test
  void slowHeadIsDropped() throws Exception {
    double partial = headerTimeouts("partial");
    try (Socket s = socket()) {
      s.getOutputStream()
          .write("GET /health/live HTTP/1.1\r\nHo".getBytes(StandardCharsets.US_ASCII));
      long t0 = System.nanoTime();
      // never completes the head: the server closes (read returns end of stream)
      assertThat(s.getInputStream().read()).isEqualTo(-1);
      assertThat(Duration.ofNanos(System.nanoTime() - t0)).isLessThan(Duration.ofSeconds(5));
    }
    assertThat(headerTimeouts("partial")).isGreaterThanOrEqualTo(partial + 1);
  }

  @Test
  void silentConnectionIsDroppedAndCounted() throws Exception {
    double silent = headerTimeouts("nothing");
    try (Socket s = socket()) {
      assertThat(s.getInputStream().read()).isEqualTo(-1);
    }
    assertThat(headerTimeouts("nothing")).isGreaterThanOrEqualTo(silent + 1);
  }

  /** {@code parley_header_timeouts_total{received=...}} as {@code /metrics} shows it. */
  private static double headerTimeouts(String received) {
    String prefix = "parley_header_timeouts_total{received=\"" + received + "\"} ";
    return node.http()
        .raw("GET", "/metrics", null, null)
        .body()
        .lines()
        .filter(l -> l.startsWith(prefix))
        .mapToDouble(l -> Double.parseDouble(l.substring(prefix.length())))
        .findFirst()
        .orElseThrow();
  }

  @Test
  void restWorksThroughTheRelayWithKeepAlive() throws Exception {
    try (Socket s = socket()) {
      OutputStream out = s.getOutputStream();
      InputStream in = s.getInputStream();
      for (int i = 0; i < 2; i++) {
        out.write(
            "GET /health/live HTTP/1.1\r\nHost: x\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
        out.flush();
        String head = RawWebSocket.readHead(in);
        assertThat(head).startsWith("HTTP/1.1 200");
        int len =
            Integer.parseInt(
                head.lines()
                    .filter(l -> l.toLowerCase(java.util.Locale.ROOT).startsWith("content-length:"))
                    .findFirst()
                    .orElseThrow()
                    .substring("content-length:".length())
                    .trim());
        assertThat(in.readNBytes(len)).hasSize(len);
      }
    }
  }

  @Test
  void upgradeOnAnotherPathIsNotAWebSocket() throws Exception {
    try (Socket s = socket()) {
      s.getOutputStream()
          .write(
              ("GET /v1/other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13"
                      + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII));
      assertThat(RawWebSocket.readHead(s.getInputStream())).startsWith("HTTP/1.1 404");
    }
  }
}
