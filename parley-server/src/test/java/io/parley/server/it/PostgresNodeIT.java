package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.Api;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.testsupport.TestDatabases;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.stream.LongStream;
import org.junit.jupiter.api.Test;

/** The whole node on PostgreSQL (the cluster store): chat, groups, offline resume, restart. */
class PostgresNodeIT {

  @Test
  void chatGroupsAndResumeOnPostgres() throws Exception {
    try (TestDatabases.TestDb db = TestDatabases.postgres()) {
      Map<String, String> o = db.postgresNodeSettings();
      try (TestNode node = TestNode.start(o)) {
        TestUser alice = node.user("alice");
        TestUser bob = node.user("bob");
        TestUser carol = node.user("carol");
        ParleyClient a = alice.connect();
        String conv =
            a.sendTo(bob.id(), Bodies.text("hello pg")).get(5, TimeUnit.SECONDS).conversationId();
        List<CompletableFuture<?>> acks = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
          acks.add(a.sendText(conv, "n" + i));
        }
        CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(20, TimeUnit.SECONDS);

        Api.Group g = alice.http().createGroup("pg group", List.of(bob.id(), carol.id()));
        a.sendText(g.conversationId(), "to the group").get(5, TimeUnit.SECONDS);

        node.restart();

        ParleyClient b = bob.connect();
        List<MessageView> direct = b.awaitMessages(conv, 51, Duration.ofSeconds(10));
        assertThat(direct)
            .extracting(MessageView::seq)
            .containsExactlyElementsOf(LongStream.rangeClosed(1, 51).boxed().toList());
        assertThat(b.awaitMessages(g.conversationId(), 2, Duration.ofSeconds(10)))
            .extracting(MessageView::text)
            .containsExactly(null, "to the group");
        b.awaitSynced();
        assertThat(carol.http().listConversations()).hasSize(1);
        assertThat(bob.http().listConversations()).hasSize(2);
      }
    }
  }
}
