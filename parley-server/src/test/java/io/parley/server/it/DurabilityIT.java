package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.ClientOptions;
import io.parley.client.ParleyClient;
import io.parley.client.ParleyHttp;
import io.parley.protocol.Frames;
import io.parley.protocol.MessageView;
import io.parley.server.testsupport.ChildNodes;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * SPEC §2: a message that got its ack is never lost, even when the node is killed with SIGKILL
 * right after acknowledging. The node runs as a separate process on the embedded SQLite store.
 */
class DurabilityIT {

  @Test
  void everyAckedMessageSurvivesSigkill() throws Exception {
    Path data = Files.createTempDirectory("parley-kill-");
    int port = freePort();
    Process node = startNode(data, port);
    String base = "http://127.0.0.1:" + port;
    Map<String, Frames.Ack> acked = new ConcurrentHashMap<>();
    String conv;
    var bob = new ParleyHttp(base).signupAndLogin("bob", "correct horse battery");
    try {
      var alice = new ParleyHttp(base).signupAndLogin("alice", "correct horse battery");
      conv = new ParleyHttp(base).as(alice).createDirect(bob.userId());
      ParleyClient a =
          ParleyClient.connect(new ClientOptions(base, alice.accessToken()).ackTimeoutMs(60_000));
      // a burst of sends; kill the node the moment 300 of them are acknowledged
      for (int i = 0; i < 2_000; i++) {
        String id = "k-" + i;
        a.send(new Frames.Send(id, conv, null, io.parley.client.Bodies.text("m" + i)))
            .thenAccept(ack -> acked.put(id, ack));
      }
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(1))
          .until(() -> acked.size() >= 300);
      node.destroyForcibly(); // SIGKILL
      node.waitFor(10, TimeUnit.SECONDS);
      a.close();
    } finally {
      node.destroyForcibly();
    }
    Map<String, Frames.Ack> ackedAtKill = Map.copyOf(acked);
    assertThat(ackedAtKill.size()).isGreaterThanOrEqualTo(300).isLessThan(2_000);

    Process again = startNode(data, port);
    try {
      var http =
          new ParleyHttp(base).as(new ParleyHttp(base).login("bob", "correct horse battery"));
      List<MessageView> stored = new ArrayList<>();
      Long after = 0L;
      while (true) {
        var page = http.history(conv, null, after, 200);
        stored.addAll(page.messages());
        if (!page.hasMore()) {
          break;
        }
        after = page.messages().get(page.messages().size() - 1).seq();
      }
      Map<String, MessageView> byClientId =
          stored.stream().collect(Collectors.toMap(MessageView::clientMsgId, m -> m));
      for (var e : ackedAtKill.entrySet()) {
        MessageView m = byClientId.get(e.getKey());
        assertThat(m).as("acked message %s is stored", e.getKey()).isNotNull();
        assertThat(m.messageId()).isEqualTo(e.getValue().messageId());
        assertThat(m.seq()).isEqualTo(e.getValue().seq());
      }
      // seqs stayed gap-free through the crash
      assertThat(stored)
          .extracting(MessageView::seq)
          .containsExactlyElementsOf(
              java.util.stream.LongStream.rangeClosed(1, stored.size()).boxed().toList());
      // and bob's device gets every acked message delivered
      ParleyClient b = ParleyClient.connect(base, bob.accessToken());
      List<MessageView> got = b.awaitMessages(conv, stored.size(), Duration.ofSeconds(30));
      assertThat(got.stream().map(MessageView::clientMsgId).toList())
          .containsAll(ackedAtKill.keySet());
      b.close();
    } finally {
      again.destroyForcibly();
      again.waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Process startNode(Path data, int port) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Xmx512m",
            "-cp",
            System.getProperty("java.class.path"),
            "io.parley.server.Main");
    pb.environment()
        .putAll(
            Map.of(
                "PARLEY_SERVER_PORT", Integer.toString(port),
                "PARLEY_SERVER_HOST", "127.0.0.1",
                "PARLEY_STORE_DATA_DIR", data.toString(),
                "PARLEY_AUTH_ARGON2_MEMORY_KIB", "1024",
                "PARLEY_AUTH_ARGON2_ITERATIONS", "1",
                // one user sends a 2,000-message burst
                "PARLEY_LIMITS_ENABLED", "false"));
    pb.redirectErrorStream(true).redirectOutput(data.resolve("node.log").toFile());
    Process p = pb.start();
    try {
      ChildNodes.awaitReady(p, "http://127.0.0.1:" + port, data.resolve("node.log"));
      return p;
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
