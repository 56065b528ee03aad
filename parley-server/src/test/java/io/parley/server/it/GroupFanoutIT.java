package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.client.Api;
import io.parley.client.ParleyApiException;
import io.parley.client.ParleyClient;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Groups: 50 members, concurrent senders, one order for all; management and rights. */
class GroupFanoutIT extends SharedNode {
  @Test
  void fiftyMembersSeeEveryMessageInOneOrder() throws Exception {
    List<TestUser> users = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      users.add(node.user("m" + i));
    }
    TestUser owner = users.get(0);
    Api.Group g =
        owner.http().createGroup("fifty", users.subList(1, 50).stream().map(TestUser::id).toList());
    assertThat(g.members()).hasSize(50);
    String conv = g.conversationId();

    List<ParleyClient> clients = new ArrayList<>();
    for (TestUser u : users) {
      ParleyClient c = u.connect();
      c.awaitSynced();
      clients.add(c);
    }
    // the "created" system message is seq 1 and is in everyone's backlog
    int perSender = 20;
    List<CompletableFuture<?>> acks = new ArrayList<>();
    for (int s = 0; s < 5; s++) {
      ParleyClient sender = clients.get(s * 7);
      int sid = s;
      acks.add(
          CompletableFuture.runAsync(
              () -> {
                List<CompletableFuture<?>> mine = new ArrayList<>();
                for (int i = 0; i < perSender; i++) {
                  mine.add(sender.sendText(conv, "s" + sid + "-" + i));
                }
                CompletableFuture.allOf(mine.toArray(CompletableFuture[]::new)).join();
              }));
    }
    CompletableFuture.allOf(acks.toArray(CompletableFuture[]::new)).get(30, TimeUnit.SECONDS);
    int total = 5 * perSender + 1;

    List<String> reference = null;
    for (int i = 0; i < clients.size(); i++) {
      ParleyClient c = clients.get(i);
      // senders do not get their own messages echoed to the sending device
      int own = i % 7 == 0 && i / 7 < 5 ? perSender : 0;
      List<MessageView> got = c.awaitMessages(conv, total - own, Duration.ofSeconds(20));
      assertThat(got).hasSize(total - own);
      List<Long> seqs = got.stream().map(MessageView::seq).toList();
      assertThat(seqs).isSorted().doesNotHaveDuplicates();
      if (own == 0) {
        List<String> order = got.stream().map(MessageView::messageId).toList();
        if (reference == null) {
          reference = order;
        } else {
          assertThat(order).isEqualTo(reference);
        }
        assertThat(seqs)
            .isEqualTo(java.util.stream.LongStream.rangeClosed(1, total).boxed().toList());
      }
    }
    // each sender's own messages kept their send order
    var history = owner.http().history(conv, null, null, 200).messages();
    assertThat(history).hasSize(total);
    for (int s = 0; s < 5; s++) {
      String prefix = "s" + s + "-";
      List<String> mine =
          history.stream()
              .map(MessageView::text)
              .filter(t -> t != null && t.startsWith(prefix))
              .toList();
      assertThat(mine)
          .containsExactlyElementsOf(
              java.util.stream.IntStream.range(0, perSender).mapToObj(i -> prefix + i).toList());
    }
  }

  @Test
  void managementRightsAndSystemMessages() throws Exception {
    TestUser owner = node.user("owner");
    TestUser admin = node.user("admin");
    TestUser member = node.user("member");
    TestUser outsider = node.user("outsider");
    Api.Group g = owner.http().createGroup("team", List.of(admin.id(), member.id()));
    String id = g.conversationId();
    ParleyClient mc = member.connect();
    mc.awaitSynced();

    owner.http().setRole(id, admin.id(), "admin");
    assertThatThrownBy(() -> member.http().renameGroup(id, "mine"))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThat(admin.http().renameGroup(id, "renamed").name()).isEqualTo("renamed");
    assertThatThrownBy(() -> admin.http().setRole(id, member.id(), "admin"))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));
    assertThatThrownBy(() -> outsider.http().getGroup(id))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));

    admin.http().addMembers(id, List.of(outsider.id()));
    assertThat(outsider.http().getGroup(id).members()).hasSize(4);
    admin.http().removeMember(id, outsider.id());
    assertThatThrownBy(() -> outsider.http().history(id, null, null, 10))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));

    owner.http().leaveGroup(id);
    Api.Group after = admin.http().getGroup(id);
    assertThat(after.members())
        .anySatisfy(
            m -> {
              assertThat(m.userId()).isEqualTo(admin.id());
              assertThat(m.role()).isEqualTo("owner");
            });

    List<String> events =
        admin.http().history(id, null, null, 50).messages().stream()
            .map(m -> m.body().path("event").asText())
            .toList();
    assertThat(events)
        .containsExactly(
            "created", "role_changed", "renamed", "member_added", "member_removed", "member_left");
    // the member's device saw the changes live as conversation frames and system messages
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> mc.inbox().frames("conversation").size() >= 5);
    assertThat(mc.awaitMessages(id, 6, Duration.ofSeconds(5))).hasSize(6);
  }

  @Test
  void memberLimitIsEnforced() {
    TestNode small = TestNode.start(java.util.Map.of("groups.max_members", "3"));
    try {
      TestUser a = small.user("a");
      TestUser b = small.user("b");
      TestUser c = small.user("c");
      TestUser d = small.user("d");
      Api.Group g = a.http().createGroup("three", List.of(b.id(), c.id()));
      assertThatThrownBy(() -> a.http().addMembers(g.conversationId(), List.of(d.id())))
          .isInstanceOfSatisfying(
              ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(409));
      assertThat(a.http().getGroup(g.conversationId()).members()).hasSize(3);
    } finally {
      small.close();
    }
  }
}
