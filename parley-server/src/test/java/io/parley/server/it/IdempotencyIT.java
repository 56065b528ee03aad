package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.Frames;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** A repeated client_msg_id yields the same ack and one stored message. */
class IdempotencyIT extends SharedNode {
  @Test
  void resendAfterReconnectGetsSameAckAndOneMessage() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    ParleyClient b = bob.connect();
    b.awaitSynced();

    ParleyClient a1 = alice.connect();
    Frames.Ack first =
        a1.send(new Frames.Send("cm-1", conv, null, Bodies.text("once"))).get(5, TimeUnit.SECONDS);
    a1.close(); // the "dropped connection": the app does not know whether the ack arrived

    ParleyClient a2 = alice.connect();
    Frames.Ack again =
        a2.send(new Frames.Send("cm-1", conv, null, Bodies.text("once"))).get(5, TimeUnit.SECONDS);
    assertThat(again).isEqualTo(first);
    // REST with the same key: same message
    var viaRest = alice.http().sendRest(conv, "cm-1", Bodies.text("once"));
    assertThat(viaRest.messageId()).isEqualTo(first.messageId());
    assertThat(viaRest.seq()).isEqualTo(first.seq());

    // the next new message takes the next seq: duplicates consumed none
    Frames.Ack next = a2.sendText(conv, "twice?").get(5, TimeUnit.SECONDS);
    assertThat(next.seq()).isEqualTo(first.seq() + 1);
    assertThat(alice.http().history(conv, null, null, 50).messages()).hasSize(2);
    assertThat(b.awaitMessages(conv, 2, Duration.ofSeconds(5))).hasSize(2);
    // a later message is the marker: everything before it has arrived, duplicates included
    a2.sendText(conv, "marker").get(5, TimeUnit.SECONDS);
    b.awaitMessages(conv, 3, Duration.ofSeconds(5));
    assertThat(b.inbox().frames("message")).hasSize(3);
  }
}
