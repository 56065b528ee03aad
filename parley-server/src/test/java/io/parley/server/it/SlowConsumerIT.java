package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.ParleyClient;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * A client that stops reading is disconnected once its bounded queue fills (the server does not
 * buffer without limit), and on reconnect resumes from its stored position without loss.
 */
class SlowConsumerIT {

  private static boolean anyOpen(TestNode node, TestUser u) {
    return java.util.Arrays.stream(node.node().wiring().connections().of(Long.parseLong(u.id())))
        .anyMatch(c -> !c.isClosed());
  }

  @Test
  void nonReadingClientIsDisconnectedAndResumesWithoutLoss() throws Exception {
    try (TestNode node = TestNode.start(Map.of("websocket.outbound_queue_bytes", "262144"))) {
      TestUser alice = node.user("alice");
      TestUser bob = node.user("bob");
      String conv = alice.http().createDirect(bob.id());

      Vertx vertx = Vertx.vertx();
      try {
        WebSocketClient wsc = vertx.createWebSocketClient();
        WebSocket stuck =
            wsc.connect(
                    new WebSocketConnectOptions()
                        .setHost("127.0.0.1")
                        .setPort(node.node().port())
                        .setURI("/v1/ws?access_token=" + bob.session().accessToken()))
                .await(5, TimeUnit.SECONDS);
        stuck.pause(); // never reads again
        Awaitility.await()
            .atMost(Duration.ofSeconds(5))
            .until(
                () -> node.node().wiring().connections().of(Long.parseLong(bob.id())).length == 1);

        ParleyClient a = alice.connect();
        String text = "y".repeat(8_000);
        int sent = 0;
        List<CompletableFuture<?>> acks = new ArrayList<>();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // keep sending until the server gives up on bob's connection (bounded in count and time)
        while (anyOpen(node, bob) && sent < 5_000 && System.nanoTime() < deadline) {
          for (int i = 0; i < 50; i++) {
            sent++;
            acks.add(a.sendText(conv, text + " #" + sent));
          }
          CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
        }
        final int sentSoFar = sent;
        Awaitility.await()
            .alias("server let go of bob's connection after " + sentSoFar + " messages")
            .atMost(Duration.ofSeconds(20))
            .until(
                () -> node.node().wiring().connections().of(Long.parseLong(bob.id())).length == 0);
        assertThat(sent).isLessThan(5_000);

        // bob comes back with a normal client: everything, in order, nothing lost
        ParleyClient b = bob.connect();
        final int total = sent;
        Awaitility.await()
            .atMost(Duration.ofSeconds(60))
            .failFast(() -> !b.isConnected())
            .alias("received " + b.messages(conv).size() + " of " + total)
            .until(() -> b.messages(conv).size() >= total);
        List<MessageView> got = b.messages(conv);
        assertThat(got)
            .extracting(MessageView::seq)
            .containsExactlyElementsOf(LongStream.rangeClosed(1, sent).boxed().toList());
        assertThat(got.get(sent - 1).text()).endsWith("#" + sent);
      } finally {
        vertx.close();
      }
    }
  }
}
