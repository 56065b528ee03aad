package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode.TestUser;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A half-open client (handshake done, then silent: it answers no ping) is pinged by the server and
 * closed with 4408 within two heartbeat intervals. Uses a raw socket so nothing answers pings
 * behind the test's back.
 */
class HeartbeatIT {

  @Test
  void silentConnectionIsPingedThenClosedWith4408() throws Exception {
    try (TestNode node = TestNode.start(Map.of("websocket.heartbeat_ms", "300"))) {
      TestUser u = node.user("quiet");
      try (Socket s = new Socket("127.0.0.1", node.node().port())) {
        s.setSoTimeout(10_000);
        OutputStream out = s.getOutputStream();
        String key =
            Base64.getEncoder().encodeToString("parley-heartbeat".getBytes(StandardCharsets.UTF_8));
        out.write(
            ("GET /v1/ws?access_token="
                    + u.session().accessToken()
                    + " HTTP/1.1\r\n"
                    + "Host: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                    + "Sec-WebSocket-Key: "
                    + key
                    + "\r\nSec-WebSocket-Version: 13\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
        DataInputStream in = new DataInputStream(s.getInputStream());
        assertThat(readHeaders(in)).startsWith("HTTP/1.1 101");
        long start = System.nanoTime();
        boolean sawPing = false;
        boolean sawHello = false;
        while (true) {
          int b0 = in.readUnsignedByte();
          int opcode = b0 & 0x0f;
          byte[] payload = payload(in);
          if (opcode == 0x1) {
            sawHello |= new String(payload, StandardCharsets.UTF_8).contains("\"hello\"");
          } else if (opcode == 0x9) {
            sawPing = true; // deliberately not answered
          } else if (opcode == 0x8) {
            int code = ((payload[0] & 0xff) << 8) | (payload[1] & 0xff);
            long elapsedMs = (System.nanoTime() - start) / 1_000_000;
            assertThat(code).isEqualTo(4408);
            assertThat(sawHello).isTrue();
            assertThat(sawPing).isTrue();
            assertThat(elapsedMs).as("closed after ~2 heartbeats, not never").isLessThan(8_000);
            break;
          }
        }
      }
    }
  }

  private static byte[] payload(DataInputStream in) throws IOException {
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] p = new byte[(int) len];
    in.readFully(p);
    return p;
  }

  private static String readHeaders(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      buf.write(c);
      state = (c == '\r' || c == '\n') ? state + 1 : 0;
    }
    return buf.toString(StandardCharsets.US_ASCII);
  }
}
