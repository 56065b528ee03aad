package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Api;
import io.parley.client.Bodies;
import io.parley.client.ParleyApiException;
import io.parley.protocol.MessageView;
import io.parley.server.it.JdkClient.Res;
import io.parley.server.it.JdkClient.Socket;
import io.parley.server.it.TestNode.TestUser;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A member added to a group reads from the seq at which it joined, never what was sent while it was
 * out, in history paging, backlog replay and the conversation list; the owner's {@code
 * history_visible_to_new_members} opens the earlier history to members who join afterwards.
 */
class HistoryVisibilityIT extends SharedNode {

  @Test
  void membersReadOnlyTheirMembershipPeriods() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser carol = node.user("carol");
    TestUser eve = node.user("eve");
    String g = alice.http().createGroup("g", List.of(bob.id())).conversationId();
    text(alice, g, "m1");
    text(alice, g, "m2");

    alice.http().addMembers(g, List.of(carol.id()));
    text(alice, g, "m3");
    assertThat(labels(carol.http().history(g, null, null, 50).messages()))
        .containsExactly("sys:member_added", "m3");
    Api.ConversationSummary list = carol.http().listConversations().getFirst();
    assertThat(list.lastMessage().text()).isEqualTo("m3");
    assertThat(list.unreadCount()).as("member_added and m3").isEqualTo(2);

    // backlog replay over a raw socket: only what carol may read, then synced
    Socket s = Socket.open(node.baseUrl(), carol.session().accessToken());
    s.await("synced", f -> true);
    List<String> replayed = messageLabels(s, g);
    assertThat(replayed).containsExactly("sys:member_added", "m3");
    long m3 = s.frames("message").getLast().path("message").path("seq").asLong();
    s.send("{\"type\":\"delivered\",\"conversation_id\":\"" + g + "\",\"seq\":" + m3 + "}");
    s.roundTrip();
    s.close();

    // removed, then a message while out, then re-added
    alice.http().removeMember(g, carol.id());
    assertForbidden(() -> carol.http().history(g, null, null, 50));
    text(alice, g, "m4-while-out");
    alice.http().addMembers(g, List.of(carol.id()));
    text(alice, g, "m5");

    List<MessageView> all = carol.http().history(g, null, null, 50).messages();
    assertThat(labels(all)).containsExactly("sys:member_added", "m3", "sys:member_added", "m5");
    // paging backwards and forwards across the gap
    Api.HistoryPage newest = carol.http().history(g, null, null, 2);
    assertThat(labels(newest.messages())).containsExactly("sys:member_added", "m5");
    assertThat(newest.hasMore()).isTrue();
    Api.HistoryPage older = carol.http().history(g, newest.messages().getFirst().seq(), null, 10);
    assertThat(labels(older.messages())).containsExactly("sys:member_added", "m3");
    assertThat(older.hasMore()).isFalse();
    Api.HistoryPage forward = carol.http().history(g, null, m3, 1);
    assertThat(labels(forward.messages())).containsExactly("sys:member_added");
    assertThat(forward.messages().getFirst().seq()).isGreaterThan(m3 + 2);
    assertThat(forward.hasMore()).isTrue();

    // the same device reconnects from its stored position (m3): m4 is skipped
    Socket again = Socket.open(node.baseUrl(), carol.session().accessToken());
    again.await("synced", f -> true);
    assertThat(messageLabels(again, g)).containsExactly("sys:member_added", "m5");
    again.close();
    Api.ConversationSummary after = carol.http().listConversations().getFirst();
    assertThat(after.lastMessage().text()).isEqualTo("m5");

    // bob, a member all along, reads everything; a non-member nothing
    assertThat(labels(bob.http().history(g, null, null, 50).messages()))
        .contains("m1", "m2", "m4-while-out", "m5");
    assertForbidden(() -> eve.http().history(g, null, null, 50));
    Res raw =
        JdkClient.call(
            node.baseUrl(),
            "GET",
            "/v1/conversations/" + g + "/messages",
            eve.session().accessToken(),
            null);
    assertThat(raw.status()).isEqualTo(403);
  }

  @Test
  void ownerCanOpenEarlierHistoryToNewMembers() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser carol = node.user("carol");
    TestUser dave = node.user("dave");
    String g = alice.http().createGroup("g", List.of(bob.id())).conversationId();
    text(alice, g, "early");
    alice.http().addMembers(g, List.of(carol.id()));

    // only the owner, with a boolean
    Res byMember = patch(bob, g, "{\"history_visible_to_new_members\":true}");
    assertThat(byMember.status()).isEqualTo(403);
    Res bad = patch(alice, g, "{\"history_visible_to_new_members\":\"yes\"}");
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.body().path("error").path("code").asText()).isEqualTo("invalid_argument");
    Res ok = patch(alice, g, "{\"history_visible_to_new_members\":true}");
    assertThat(ok.status()).isEqualTo(200);
    assertThat(ok.body().path("history_visible_to_new_members").asBoolean()).isTrue();
    assertThat(
            JdkClient.call(
                    node.baseUrl(), "GET", "/v1/groups/" + g, bob.session().accessToken(), null)
                .body()
                .path("history_visible_to_new_members")
                .asBoolean())
        .isTrue();

    alice.http().addMembers(g, List.of(dave.id()));
    text(alice, g, "late");
    assertThat(labels(dave.http().history(g, null, null, 50).messages()))
        .containsExactly(
            "sys:created",
            "early",
            "sys:member_added",
            "sys:history_visibility_changed",
            "sys:member_added",
            "late");
    // a member who joined before the change keeps its own start
    assertThat(labels(carol.http().history(g, null, null, 50).messages()))
        .containsExactly(
            "sys:member_added", "sys:history_visibility_changed", "sys:member_added", "late");
    // new members do not count the earlier history as unread
    Api.ConversationSummary daves = dave.http().listConversations().getFirst();
    assertThat(daves.unreadCount()).as("its member_added and late").isEqualTo(2);
    assertThat(daves.lastMessage().text()).isEqualTo("late");
  }

  private static Res patch(TestUser u, String g, String body) {
    return JdkClient.call(
        node.baseUrl(), "PATCH", "/v1/groups/" + g, u.session().accessToken(), body);
  }

  private static void text(TestUser u, String conv, String text) {
    u.http().sendRest(conv, UUID.randomUUID().toString(), Bodies.text(text));
  }

  private static List<String> labels(List<MessageView> ms) {
    return ms.stream()
        .map(m -> "system".equals(m.kind()) ? "sys:" + m.body().path("event").asText() : m.text())
        .toList();
  }

  private static List<String> messageLabels(Socket s, String conv) {
    return s.frames("message").stream()
        .map(f -> f.path("message"))
        .filter(m -> m.path("conversation_id").asText().equals(conv))
        .map(HistoryVisibilityIT::label)
        .toList();
  }

  private static String label(JsonNode m) {
    JsonNode b = m.path("body");
    return "system".equals(b.path("kind").asText())
        ? "sys:" + b.path("event").asText()
        : b.path("text").asText();
  }

  private static void assertForbidden(Runnable r) {
    assertThatThrownBy(r::run)
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(403));
  }
}
