package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode.TestUser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.lang.management.MemoryMXBean;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.Deflater;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * A permessage-deflate frame of ~243 KB that inflates to 250 MB, sent right after the upgrade,
 * without and with a valid token: the server never inflates it (compression is not negotiated, so
 * RSV1 is a protocol error: 1002; without a token nothing is read at all: 4401), the heap of the
 * in-process node stays flat, and another client keeps getting its pongs promptly meanwhile.
 */
class CompressionBombIT extends SharedNode {
  static final long INFLATED = 250L * 1024 * 1024;
  static byte[] bomb;

  @BeforeAll
  static void makeBomb() {
    Deflater d = new Deflater(Deflater.BEST_COMPRESSION, true);
    byte[] zeros = new byte[1 << 20];
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    byte[] buf = new byte[64 * 1024];
    for (long done = 0; done < INFLATED; done += zeros.length) {
      d.setInput(zeros);
      while (!d.needsInput()) {
        out.write(buf, 0, d.deflate(buf));
      }
    }
    int n;
    while ((n = d.deflate(buf, 0, buf.length, Deflater.SYNC_FLUSH)) > 0) {
      out.write(buf, 0, n);
      if (n < buf.length) {
        break;
      }
    }
    d.end();
    byte[] all = out.toByteArray();
    // permessage-deflate drops the sync flush's trailing 00 00 ff ff
    bomb = java.util.Arrays.copyOf(all, all.length - 4);
  }

  @AfterAll
  static void forget() {
    bomb = null;
  }

  @Test
  void bombWithoutToken() throws Exception {
    attack(null, 4401);
  }

  @Test
  void bombWithToken() throws Exception {
    attack(node.user("bomber"), 1002);
  }

  private void attack(TestUser attacker, int expectedClose) throws Exception {
    TestUser bystander = node.user("bystander");
    MemoryMXBean mem = ManagementFactory.getMemoryMXBean();
    System.gc();
    long before = mem.getHeapMemoryUsage().getUsed();
    AtomicLong peak = new AtomicLong(before);
    AtomicLong worstPongMs = new AtomicLong();
    AtomicLong pongs = new AtomicLong();
    AtomicBoolean running = new AtomicBoolean(true);
    try (RawWebSocket other =
        RawWebSocket.connect(node.node().port(), bystander.session().accessToken(), false)) {
      assertThat(other.readData().text()).contains("\"hello\"");
      Thread pinger =
          Thread.ofPlatform()
              .start(
                  () -> {
                    try {
                      while (running.get()) {
                        long t0 = System.nanoTime();
                        other.sendText("{\"type\":\"ping\"}");
                        while (!other.readData().text().contains("pong")) {
                          // skip other frames
                        }
                        long ms = (System.nanoTime() - t0) / 1_000_000;
                        worstPongMs.accumulateAndGet(ms, Math::max);
                        pongs.incrementAndGet();
                        peak.accumulateAndGet(mem.getHeapMemoryUsage().getUsed(), Math::max);
                        Thread.sleep(20); // pacing of the bystander's pings
                      }
                    } catch (IOException | InterruptedException e) {
                      worstPongMs.set(Long.MAX_VALUE);
                    }
                  });
      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> pongs.get() > 0);
      long t0 = System.nanoTime();
      int code;
      try (RawWebSocket ws =
          RawWebSocket.connect(
              node.node().port(),
              attacker == null ? null : attacker.session().accessToken(),
              true)) {
        assertThat(ws.upgraded()).isTrue();
        assertThat(ws.deflate).as("permessage-deflate is not offered").isFalse();
        if (attacker != null) {
          assertThat(ws.readData().text()).contains("\"hello\"");
        }
        try {
          ws.send(0xC1, bomb); // FIN + RSV1 (compressed) + text
        } catch (IOException e) {
          // closed while sending: the close frame is what counts
        }
        code = ws.awaitCloseCode();
      }
      long closeMs = (System.nanoTime() - t0) / 1_000_000;
      // the bystander is still served after the attack: a few more round trips
      long after = pongs.get();
      org.awaitility.Awaitility.await()
          .atMost(Duration.ofSeconds(10))
          .until(() -> pongs.get() >= after + 3);
      running.set(false);
      pinger.join(5_000);
      long growth = peak.get() - before;
      System.out.printf(
          "[CompressionBombIT] %s: %d-byte frame (inflates to %d MB) -> close %d after %d ms;"
              + " heap before %d MB, peak %d MB (growth %d MB); bystander worst pong %d ms over %d pings%n",
          attacker == null ? "no token" : "with token",
          bomb.length,
          INFLATED >> 20,
          code,
          closeMs,
          before >> 20,
          peak.get() >> 20,
          growth >> 20,
          worstPongMs.get(),
          pongs.get());
      assertThat(code).isEqualTo(expectedClose);
      assertThat(growth).as("heap growth").isLessThan(64L * 1024 * 1024);
      assertThat(worstPongMs.get()).as("worst bystander pong (ms)").isLessThan(1_000);
    }
  }
}
