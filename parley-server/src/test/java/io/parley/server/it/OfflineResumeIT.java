package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.client.ParleyListener;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** Offline delivery and resume: backlog in order, then synced, then live; receipts catch up. */
class OfflineResumeIT extends SharedNode {
  @Test
  void offlineRecipientGetsAllHundredInOrderThenSyncedThenLive() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    ParleyClient a = alice.connect();
    String conv = alice.http().createDirect(bob.id());
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      acks.add(a.sendText(conv, "msg " + i));
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

    // bob connects: record the order of frame types as they arrive
    List<String> events = Collections.synchronizedList(new ArrayList<>());
    ParleyClient b =
        new ParleyClient(node.options(bob.session()))
            .addListener(
                new ParleyListener() {
                  @Override
                  public void onFrame(JsonNode f) {
                    String t = f.path("type").asText();
                    if (t.equals("message")) {
                      events.add("m" + f.path("message").path("seq").asLong());
                    } else if (t.equals("synced")) {
                      events.add("synced");
                    }
                  }
                });
    b.connect().get(5, TimeUnit.SECONDS);
    b.awaitSynced(Duration.ofSeconds(10));
    a.sendText(conv, "live").get(5, TimeUnit.SECONDS);
    List<MessageView> got = b.awaitMessages(conv, 101, Duration.ofSeconds(10));
    b.close();

    assertThat(got)
        .extracting(MessageView::seq)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 101).boxed().toList());
    assertThat(got.get(0).text()).isEqualTo("msg 1");
    assertThat(got.get(100).text()).isEqualTo("live");
    List<String> expected = new ArrayList<>();
    for (int i = 1; i <= 100; i++) {
      expected.add("m" + i);
    }
    expected.add("synced");
    expected.add("m101");
    assertThat(events).containsExactlyElementsOf(expected);
  }

  @Test
  void messagesSentDuringReplayAreNeitherLostNorReordered() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    ParleyClient a = alice.connect();
    String conv = alice.http().createDirect(bob.id());
    for (int i = 0; i < 300; i++) {
      a.sendText(conv, "old " + i);
    }
    a.sendText(conv, "last old").get(20, TimeUnit.SECONDS);
    ParleyClient b = new ParleyClient(node.options(bob.session()));
    CompletableFuture<?> connected = b.connect();
    // keep sending while bob's backlog replays
    List<CompletableFuture<?>> live = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      live.add(a.sendText(conv, "new " + i));
    }
    connected.get(5, TimeUnit.SECONDS);
    CompletableFuture.allOf(live.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);
    List<MessageView> got = b.awaitMessages(conv, 501, Duration.ofSeconds(20));
    b.close();
    assertThat(got)
        .extracting(MessageView::seq)
        .containsExactlyElementsOf(LongStream.rangeClosed(1, 501).boxed().toList());
  }

  @Test
  void senderGetsDeliveredThenReadEvenWhenOfflineAtThatMoment() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    ParleyClient a = alice.connect();
    String conv =
        a.sendTo(bob.id(), Bodies.text("are you there?")).get(5, TimeUnit.SECONDS).conversationId();

    // live: bob's device acknowledges delivery (automatically), then reads
    ParleyClient b = bob.connect();
    b.awaitMessages(conv, 1, Duration.ofSeconds(5));
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> hasReceipt(a, "delivered", 1));
    assertThat(hasReceipt(a, "read", 1)).isFalse();
    b.markRead(conv, 1);
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> hasReceipt(a, "read", 1));

    // offline: alice goes away, sends nothing; bob receives and reads a new message meanwhile
    a.sendText(conv, "second").get(5, TimeUnit.SECONDS);
    a.close();
    b.awaitMessages(conv, 2, Duration.ofSeconds(5));
    // no need to wait for the automatic delivered acknowledgement: a read implies delivery
    b.markRead(conv, 2);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> bob.http().listConversations().get(0).lastReadSeq() == 2);
    ParleyClient again = alice.connect();
    again.awaitSynced(Duration.ofSeconds(5));
    assertThat(hasReceipt(again, "delivered", 2)).isTrue();
    assertThat(hasReceipt(again, "read", 2)).isTrue();
  }

  private static boolean hasReceipt(ParleyClient c, String status, long seq) {
    return c.inbox().frames("receipt").stream()
        .anyMatch(f -> f.path("status").asText().equals(status) && f.path("seq").asLong() >= seq);
  }
}
