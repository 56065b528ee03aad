package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.ParleyClient;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The server keeps writing to a client that never sends anything, and resumes writing when a client
 * that stopped reading reads again (never waiting for an inbound frame). Clients we did not write:
 * the JDK WebSocket (no compression) and a raw RFC 6455 socket that offers permessage-deflate (and
 * inflates if the server accepts it).
 */
class GatewayStallIT {
  static final int BACKLOG = 2_000;
  static TestNode node;
  static TestUser alice;
  static String conv;

  /** Devices of bob logged in before the conversation existed: each one gets the whole backlog. */
  static final List<TestUser> bobs = new ArrayList<>();

  @BeforeAll
  static void backlog() throws Exception {
    node = TestNode.start();
    alice = node.user("alice");
    TestUser bob = node.user("bob");
    bobs.add(bob);
    for (int i = 0; i < 3; i++) {
      bobs.add(node.device(bob, "device" + i));
    }
    conv = alice.http().createDirect(bob.id());
    ParleyClient a = alice.connect();
    for (int from = 1; from <= BACKLOG; from += 200) {
      List<CompletableFuture<?>> acks = new ArrayList<>();
      for (int i = from; i < from + 200; i++) {
        acks.add(a.sendText(conv, text(i)));
      }
      CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
    }
    a.close();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  /**
   * Mixed sizes, 50 B to 16 KB, of pseudo-random letters: a compressing transport cannot shrink the
   * backlog to something that fits in the socket buffers.
   */
  static String text(int i) {
    int size = 50 + (int) ((i * 7919L) % 15_950);
    StringBuilder sb = new StringBuilder(size).append('m').append(i).append(' ');
    java.util.Random r = new java.util.Random(i);
    while (sb.length() < size) {
      sb.append((char) ('a' + r.nextInt(26)));
    }
    return sb.toString();
  }

  static void awaitSynced(JdkWebSocket c, int seconds) {
    Awaitility.await()
        .atMost(Duration.ofSeconds(seconds))
        .untilAsserted(
            () -> assertThat(c.synced()).as("synced, after %d messages", c.seqs.size()).isTrue());
  }

  static final List<Long> ALL = LongStream.rangeClosed(1, BACKLOG).boxed().toList();

  @Test
  void jdkClientThatNeverSendsGetsTheWholeBacklog() throws Exception {
    long start = System.nanoTime();
    JdkWebSocket c = JdkWebSocket.connect(node.node().port(), bobs.get(0).session().accessToken());
    try {
      awaitSynced(c, 60);
      assertThat(c.seqs).containsExactlyElementsOf(ALL);
      assertThat(c.closed).isNotDone();
      System.out.printf(
          "[GatewayStallIT] JDK client: %d backlog messages + synced in %d ms%n",
          BACKLOG, (c.syncedAtNanos - start) / 1_000_000);
    } finally {
      c.abort();
    }
  }

  @Test
  void rawClientOfferingDeflateThatNeverSendsGetsTheWholeBacklog() throws Exception {
    long start = System.nanoTime();
    try (RawWebSocket ws =
        RawWebSocket.connect(node.node().port(), bobs.get(1).session().accessToken(), true)) {
      assertThat(ws.upgraded()).isTrue();
      List<Long> seqs = new ArrayList<>();
      while (true) {
        RawWebSocket.Frame f = ws.readData();
        assertThat(f.opcode()).as("a text frame, not a close").isEqualTo(0x1);
        JsonNode frame = Json.MAPPER.readTree(f.text());
        String type = frame.path("type").asText();
        if (type.equals("message")) {
          seqs.add(frame.path("message").path("seq").asLong());
        } else if (type.equals("synced")) {
          break;
        }
      }
      assertThat(seqs).containsExactlyElementsOf(ALL);
      System.out.printf(
          "[GatewayStallIT] raw client (deflate %s): %d backlog messages + synced in %d ms%n",
          ws.deflate ? "accepted" : "declined", BACKLOG, (System.nanoTime() - start) / 1_000_000);
    }
  }

  @Test
  void clientsPausingTenSecondsMidBurstGetEverythingInOrder() throws Exception {
    JdkWebSocket jdk =
        JdkWebSocket.connect(node.node().port(), bobs.get(2).session().accessToken());
    try (RawWebSocket raw =
        RawWebSocket.connect(node.node().port(), bobs.get(3).session().accessToken(), true)) {
      // the raw client reads 300 messages, the JDK client 300, then both stop reading
      List<Long> rawSeqs = new ArrayList<>();
      while (rawSeqs.size() < 300) {
        JsonNode frame = Json.MAPPER.readTree(raw.readData().text());
        if (frame.path("type").asText().equals("message")) {
          rawSeqs.add(frame.path("message").path("seq").asLong());
        }
      }
      Awaitility.await().atMost(Duration.ofSeconds(30)).until(() -> jdk.seqs.size() >= 300);
      jdk.pause();
      // the clients do not read for 10 s (the scenario), and the JDK client stays connected
      Awaitility.await()
          .during(Duration.ofSeconds(10))
          .atMost(Duration.ofSeconds(12))
          .until(() -> !jdk.closed.isDone());
      jdk.resume();
      boolean synced = false;
      while (!synced) {
        RawWebSocket.Frame f = raw.readData();
        assertThat(f.opcode()).as("a text frame, not a close").isEqualTo(0x1);
        JsonNode frame = Json.MAPPER.readTree(f.text());
        String type = frame.path("type").asText();
        if (type.equals("message")) {
          rawSeqs.add(frame.path("message").path("seq").asLong());
        }
        synced = type.equals("synced");
      }
      assertThat(rawSeqs).containsExactlyElementsOf(ALL);
      awaitSynced(jdk, 60);
      assertThat(jdk.seqs).containsExactlyElementsOf(ALL);
      assertThat(jdk.closed).isNotDone();
    } finally {
      jdk.abort();
    }
  }

  @Test
  void clientThatNeverResumesIsLetGoAndLaterResumesWithoutLoss() throws Exception {
    try (TestNode small = TestNode.start(Map.of("websocket.outbound_queue_bytes", "262144"))) {
      TestUser a = small.user("alice");
      TestUser b = small.user("bob");
      String c = a.http().createDirect(b.id());
      RawWebSocket stuck =
          RawWebSocket.connect(small.node().port(), b.session().accessToken(), true);
      while (!stuck.readData().text().contains("\"synced\"")) {
        // reads up to synced, then never reads again
      }
      ParleyClient sender = a.connect();
      int sent = 0;
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
      long bobId = Long.parseLong(b.id());
      // until the server gives up on it (4413); its socket is cut only after a grace period
      while (java.util.Arrays.stream(small.node().wiring().connections().of(bobId))
              .anyMatch(x -> !x.isClosed())
          && sent < 5_000
          && System.nanoTime() < deadline) {
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          acks.add(sender.sendText(c, text(++sent)));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
      }
      Awaitility.await()
          .alias("server let go of the stuck connection")
          .atMost(Duration.ofSeconds(20))
          .until(() -> small.node().wiring().connections().of(bobId).length == 0);
      assertThat(sent).isLessThan(5_000);
      stuck.close();

      // bob comes back with a client that never sends: everything, in order
      JdkWebSocket back = JdkWebSocket.connect(small.node().port(), b.session().accessToken());
      try {
        final int total = sent;
        awaitSynced(back, 60);
        assertThat(back.seqs.get(back.seqs.size() - 1)).isEqualTo(total);
        assertThat(back.seqs)
            .as("resumes from its stored position: no gap, no reordering")
            .isSorted()
            .doesNotHaveDuplicates();
        assertThat(back.seqs.get(0) + back.seqs.size() - 1).isEqualTo(total);
      } finally {
        back.abort();
      }
    }
  }
}
