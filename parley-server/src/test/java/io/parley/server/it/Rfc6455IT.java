package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode.TestUser;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Protocol violations get the close frame RFC 6455 asks for (not a cut TCP connection), from a
 * raw-socket client that can send what no library would.
 */
class Rfc6455IT extends SharedNode {

  private static RawWebSocket open(TestUser u) throws IOException {
    RawWebSocket ws = RawWebSocket.connect(node.node().port(), u.session().accessToken(), false);
    assertThat(ws.upgraded()).isTrue();
    assertThat(ws.readData().text()).contains("\"hello\"");
    return ws;
  }

  private static void awaitReleased(TestUser u) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> node.node().wiring().connections().of(Long.parseLong(u.id())).length == 0);
  }

  /** Sends a frame, tolerating the server closing while the payload is still being written. */
  private static void sendIgnoringReset(RawWebSocket ws, int b0, byte[] payload) {
    try {
      ws.send(b0, payload);
    } catch (IOException e) {
      // the server may stop reading once it has seen the header; its close frame is what counts
    }
  }

  @Test
  void textFrameOf300KiBGetsClose1009() throws Exception {
    TestUser u = node.user("big");
    try (RawWebSocket ws = open(u)) {
      byte[] payload = new byte[300 * 1024];
      Arrays.fill(payload, (byte) 'a');
      sendIgnoringReset(ws, 0x81, payload);
      assertThat(ws.awaitCloseCode()).isEqualTo(1009);
    }
    awaitReleased(u);
  }

  @Test
  void fragmentedMessageOverTheLimitGetsClose1009() throws Exception {
    TestUser u = node.user("frag");
    try (RawWebSocket ws = open(u)) {
      byte[] part = new byte[40 * 1024];
      Arrays.fill(part, (byte) 'a');
      ws.send(0x01, part); // text, not final
      ws.send(0x00, part); // continuation, not final: 80 KiB > 64 KiB
      assertThat(ws.awaitCloseCode()).isEqualTo(1009);
    }
    awaitReleased(u);
  }

  @Test
  void invalidUtf8TextGetsClose1007() throws Exception {
    TestUser u = node.user("utf");
    try (RawWebSocket ws = open(u)) {
      ws.send(0x81, new byte[] {'{', '"', (byte) 0xC3, (byte) 0x28, '"', '}'});
      assertThat(ws.awaitCloseCode()).isEqualTo(1007);
    }
    awaitReleased(u);
  }

  @Test
  void reservedBitsGetClose1002() throws Exception {
    for (int rsv : new int[] {0x40, 0x20, 0x10}) {
      TestUser u = node.user("rsv");
      try (RawWebSocket ws = open(u)) {
        ws.send(0x80 | rsv | 0x1, "{\"type\":\"ping\"}".getBytes());
        assertThat(ws.awaitCloseCode()).as("RSV bit 0x%x", rsv).isEqualTo(1002);
      }
      awaitReleased(u);
    }
  }

  @Test
  void validFramesStillWorkAfterTheChecks() throws Exception {
    TestUser u = node.user("ok");
    try (RawWebSocket ws = open(u)) {
      // a ping in two fragments, with a control frame between them
      ws.send(0x01, "{\"type\":".getBytes());
      ws.send(0x89, "x".getBytes());
      ws.send(0x80, "\"ping\"}".getBytes());
      RawWebSocket.Frame f;
      do {
        f = ws.read();
      } while (f.opcode() != 0x1 || !f.text().contains("pong"));
      assertThat(f.text()).isEqualTo("{\"type\":\"pong\"}");
    }
  }
}
