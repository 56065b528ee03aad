package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.client.Bodies;
import io.parley.client.ParleyApiException;
import io.parley.client.ParleyClient;
import io.parley.protocol.Frames;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Two users chat 1:1 over real WebSockets; outsiders are refused. */
class DirectChatIT extends SharedNode {
  @Test
  void twoUsersChatAndOutsidersAreRefused() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser mallory = node.user("mallory");
    ParleyClient a = alice.connect();
    ParleyClient b = bob.connect();
    a.awaitSynced();
    b.awaitSynced();

    Frames.Ack ack = a.sendTo(bob.id(), Bodies.text("hi bob")).get(5, TimeUnit.SECONDS);
    assertThat(ack.seq()).isEqualTo(1);
    assertThat(Long.parseLong(ack.messageId())).isPositive();
    String conv = ack.conversationId();

    List<MessageView> got = b.awaitMessages(conv, 1, Duration.ofSeconds(5));
    assertThat(got.get(0).text()).isEqualTo("hi bob");
    assertThat(got.get(0).senderId()).isEqualTo(alice.id());
    assertThat(got.get(0).messageId()).isEqualTo(ack.messageId());

    Frames.Ack reply = b.sendText(conv, "hello alice").get(5, TimeUnit.SECONDS);
    assertThat(reply.seq()).isEqualTo(2);
    assertThat(a.awaitMessages(conv, 1, Duration.ofSeconds(5)).get(0).text())
        .isEqualTo("hello alice");

    // REST: same pair gets the same conversation
    assertThat(alice.http().createDirect(bob.id())).isEqualTo(conv);
    assertThat(bob.http().createDirect(alice.id())).isEqualTo(conv);
    assertThat(alice.http().history(conv, null, null, 50).messages())
        .extracting(MessageView::text)
        .containsExactly("hi bob", "hello alice");

    // a non-member can neither read nor send
    assertThatThrownBy(() -> mallory.http().history(conv, null, null, 50))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThatThrownBy(() -> mallory.http().sendRest(conv, "m1", Bodies.text("let me in")))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    ParleyClient m = mallory.connect();
    assertThatThrownBy(() -> m.sendText(conv, "sneaky").get(5, TimeUnit.SECONDS))
        .hasMessageContaining("forbidden");
    // a third user chatting with alice gets a different conversation, invisible to bob
    TestUser carol = node.user("carol");
    String conv2 = carol.http().createDirect(alice.id());
    assertThat(conv2).isNotEqualTo(conv);
    assertThatThrownBy(() -> bob.http().history(conv2, null, null, 10))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThat(bob.http().listConversations())
        .extracting(c -> c.conversationId())
        .containsExactly(conv);
    // nothing of mallory's was stored
    assertThat(alice.http().history(conv, null, null, 50).messages()).hasSize(2);
  }

  @Test
  void conversationListShowsLastMessageAndUnread() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    ParleyClient a = alice.connect();
    String conv = a.sendTo(bob.id(), Bodies.text("one")).get(5, TimeUnit.SECONDS).conversationId();
    a.sendText(conv, "two").get(5, TimeUnit.SECONDS);
    a.sendText(conv, "three").get(5, TimeUnit.SECONDS);

    var list = bob.http().listConversations();
    assertThat(list).hasSize(1);
    assertThat(list.get(0).unreadCount()).isEqualTo(3);
    assertThat(list.get(0).lastMessage().text()).isEqualTo("three");
    assertThat(list.get(0).type()).isEqualTo("direct");
    assertThat(alice.http().listConversations().get(0).unreadCount()).isZero();

    bob.http().markRead(conv, 2);
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> bob.http().listConversations().get(0).unreadCount() == 1);
    assertThat(bob.http().listConversations().get(0).lastReadSeq()).isEqualTo(2);

    // paging both ways
    var newest = bob.http().history(conv, null, null, 2);
    assertThat(newest.messages()).extracting(MessageView::seq).containsExactly(2L, 3L);
    assertThat(newest.hasMore()).isTrue();
    var older = bob.http().history(conv, 2L, null, 2);
    assertThat(older.messages()).extracting(MessageView::seq).containsExactly(1L);
    assertThat(older.hasMore()).isFalse();
    var forward = bob.http().history(conv, null, 1L, 1);
    assertThat(forward.messages()).extracting(MessageView::seq).containsExactly(2L);
    assertThat(forward.hasMore()).isTrue();
  }
}
