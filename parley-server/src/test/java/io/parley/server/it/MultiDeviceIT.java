package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/** A user with two devices gets every message on both; reading on one clears unread on both. */
class MultiDeviceIT extends SharedNode {
  @Test
  void bothDevicesReceiveAndReadStateSyncs() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bobPhone = node.user("bob");
    TestUser bobLaptop = node.device(bobPhone, "laptop");
    assertThat(bobLaptop.session().deviceId()).isNotEqualTo(bobPhone.session().deviceId());

    ParleyClient a = alice.connect();
    ParleyClient phone = bobPhone.connect();
    ParleyClient laptop = bobLaptop.connect();
    phone.awaitSynced();
    laptop.awaitSynced();

    String conv =
        a.sendTo(bobPhone.id(), Bodies.text("m1")).get(5, TimeUnit.SECONDS).conversationId();
    a.sendText(conv, "m2").get(5, TimeUnit.SECONDS);
    for (ParleyClient c : new ParleyClient[] {phone, laptop}) {
      assertThat(c.awaitMessages(conv, 2, Duration.ofSeconds(5)))
          .extracting(MessageView::text)
          .containsExactly("m1", "m2");
    }
    // a message sent from the phone is echoed to the laptop (the sender's other device)
    phone.sendText(conv, "from phone").get(5, TimeUnit.SECONDS);
    assertThat(laptop.awaitMessages(conv, 3, Duration.ofSeconds(5)).get(2).text())
        .isEqualTo("from phone");
    assertThat(a.awaitMessages(conv, 1, Duration.ofSeconds(5)).get(0).text())
        .isEqualTo("from phone");

    assertThat(bobLaptop.http().listConversations().get(0).unreadCount()).isEqualTo(2);
    // read on the phone: the laptop is told (read receipt with bob's own id) and unread clears
    phone.markRead(conv, 2);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                laptop.inbox().frames("receipt").stream()
                    .anyMatch(
                        f ->
                            f.path("status").asText().equals("read")
                                && f.path("user_id").asText().equals(bobPhone.id())
                                && f.path("seq").asLong() == 2));
    assertThat(bobLaptop.http().listConversations().get(0).unreadCount()).isZero();
    assertThat(bobLaptop.http().listConversations().get(0).lastReadSeq()).isEqualTo(2);
    // and alice sees bob's read tick
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                a.inbox().frames("receipt").stream()
                    .anyMatch(
                        f ->
                            f.path("status").asText().equals("read")
                                && f.path("seq").asLong() == 2));
  }
}
