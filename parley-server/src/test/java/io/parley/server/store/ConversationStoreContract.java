package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.conversation.model.Conversation;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.ConversationType;
import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.Role;
import io.parley.server.conversation.model.SeqRange;
import io.parley.server.messaging.NewMessage;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link ConversationStore} contract, run against every backend by its subclasses. */
abstract class ConversationStoreContract extends StoreTestBase {
  private static final long NOW = 1_700_000_000_000L;

  private ConversationStore convs;

  @BeforeEach
  void setUp() {
    convs = stores.conversations();
  }

  @Test
  void directConversationIsOnePerUnorderedPair() {
    Conversation c = convs.getOrCreateDirect(100, 1, 2, NOW);
    assertThat(c).isEqualTo(new Conversation(100, ConversationType.DIRECT, null, NOW, 0));
    assertThat(convs.getOrCreateDirect(101, 2, 1, NOW + 1)).isEqualTo(c);
    assertThat(convs.getOrCreateDirect(102, 1, 2, NOW + 2)).isEqualTo(c);
    assertThat(convs.find(101)).isEmpty();
    assertThat(convs.members(100))
        .extracting(Member::userId, Member::role)
        .containsExactly(
            org.assertj.core.groups.Tuple.tuple(1L, Role.MEMBER),
            org.assertj.core.groups.Tuple.tuple(2L, Role.MEMBER));
    assertThat(convs.getOrCreateDirect(103, 1, 3, NOW).id()).isEqualTo(103);
  }

  @Test
  void directConversationIsRaceSafe() throws Exception {
    for (int round = 0; round < 5; round++) {
      long a = nextId();
      long b = nextId();
      List<Conversation> got =
          concurrently(
              8,
              t -> convs.getOrCreateDirect(nextId(), t % 2 == 0 ? a : b, t % 2 == 0 ? b : a, NOW));
      assertThat(got.stream().map(Conversation::id).distinct()).hasSize(1);
      assertThat(convs.memberCount(got.getFirst().id())).isEqualTo(2);
    }
  }

  @Test
  void groupHasOwnerAndMembers() {
    Conversation g = convs.createGroup(200, "Friends", 1, List.of(3L, 2L, 3L, 1L), NOW);
    assertThat(g).isEqualTo(new Conversation(200, ConversationType.GROUP, "Friends", NOW, 0));
    assertThat(convs.find(200)).contains(g);
    assertThat(convs.members(200))
        .containsExactly(
            new Member(200, 1, Role.OWNER, NOW, 0, 0, 0),
            new Member(200, 2, Role.MEMBER, NOW, 0, 0, 0),
            new Member(200, 3, Role.MEMBER, NOW, 0, 0, 0));
    assertThat(convs.memberCount(200)).isEqualTo(3);
    assertThat(convs.member(200, 1).orElseThrow().role()).isEqualTo(Role.OWNER);
    assertThat(convs.member(200, 4)).isEmpty();
    assertThat(convs.find(201)).isEmpty();
  }

  @Test
  void lastSeqsOfManyConversationsInOneRead() {
    convs.createGroup(200, "a", 1, List.of(2L), NOW);
    convs.createGroup(201, "b", 1, List.of(2L), NOW);
    appendMessages(200, 1, 3);
    java.util.List<Long> many = new java.util.ArrayList<>(List.of(200L, 201L));
    for (long id = 10_000; id < 10_700; id++) {
      many.add(id); // unknown ids, and more than one chunk of the IN list
    }
    assertThat(convs.lastSeqs(many)).isEqualTo(java.util.Map.of(200L, 3L, 201L, 0L));
    assertThat(convs.lastSeqs(List.of())).isEmpty();
  }

  @Test
  void renameAndRoles() {
    convs.createGroup(200, "Old", 1, List.of(2L), NOW);
    assertThat(convs.rename(200, "New")).isTrue();
    assertThat(convs.find(200).orElseThrow().title()).isEqualTo("New");
    assertThat(convs.rename(999, "x")).isFalse();
    assertThat(convs.setRole(200, 2, Role.ADMIN)).isTrue();
    assertThat(convs.member(200, 2).orElseThrow().role()).isEqualTo(Role.ADMIN);
    assertThat(convs.setRole(200, 5, Role.ADMIN)).isFalse();
  }

  @Test
  void addAndRemoveMembers() {
    convs.createGroup(200, "G", 1, List.of(2L), NOW);
    appendMessages(200, 1, 3);
    List<Long> added = convs.addMembers(200, List.of(2L, 4L, 5L, 4L), Role.MEMBER, NOW + 10);
    assertThat(added).containsExactly(4L, 5L);
    assertThat(convs.member(200, 4)).contains(new Member(200, 4, Role.MEMBER, NOW + 10, 3, 3, 3));
    assertThat(convs.addMembers(200, List.of(6L), Role.ADMIN, NOW).getFirst()).isEqualTo(6L);
    assertThat(convs.member(200, 6).orElseThrow().role()).isEqualTo(Role.ADMIN);
    assertThat(convs.addMembers(999, List.of(7L), Role.MEMBER, NOW)).isEmpty();
    assertThat(convs.memberCount(200)).isEqualTo(5);

    assertThat(convs.removeMember(200, 4)).isTrue();
    assertThat(convs.removeMember(200, 4)).isFalse();
    assertThat(convs.member(200, 4)).isEmpty();
    assertThat(convs.members(200)).extracting(Member::userId).containsExactly(1L, 2L, 6L, 5L);
  }

  @Test
  void conversationsOfUserByRecentActivity() {
    convs.createGroup(200, "quiet", 1, List.of(2L), NOW);
    convs.createGroup(201, "busy", 1, List.of(3L), NOW);
    convs.getOrCreateDirect(202, 1, 2, NOW);
    convs.createGroup(203, "not mine", 2, List.of(3L), NOW);
    appendMessages(201, 1, 5);
    appendMessages(202, 2, 2);
    assertThat(convs.conversationsOf(1))
        .extracting(Conversation::id)
        .containsExactly(201L, 202L, 200L);
    assertThat(convs.conversationsOf(1).getFirst().lastSeq()).isEqualTo(5);
    assertThat(convs.membershipsOf(1))
        .extracting(Member::conversationId)
        .containsExactlyInAnyOrder(200L, 201L, 202L);
    assertThat(convs.membershipsOf(9)).isEmpty();
    assertThat(convs.conversationsOf(9)).isEmpty();
  }

  @Test
  void deliveredAndReadOnlyRise() {
    convs.createGroup(200, "G", 1, List.of(2L), NOW);
    assertThat(convs.advanceDelivered(200, 2, 5)).isTrue();
    assertThat(convs.advanceDelivered(200, 2, 5)).isFalse();
    assertThat(convs.advanceDelivered(200, 2, 3)).isFalse();
    assertThat(convs.member(200, 2).orElseThrow().deliveredSeq()).isEqualTo(5);

    assertThat(convs.advanceRead(200, 2, 3)).isTrue();
    Member m = convs.member(200, 2).orElseThrow();
    assertThat(m.readSeq()).isEqualTo(3);
    assertThat(m.deliveredSeq()).as("read never lowers delivered").isEqualTo(5);

    assertThat(convs.advanceRead(200, 2, 8)).isTrue();
    m = convs.member(200, 2).orElseThrow();
    assertThat(m.readSeq()).isEqualTo(8);
    assertThat(m.deliveredSeq()).as("read implies delivered").isEqualTo(8);
    assertThat(convs.advanceRead(200, 2, 8)).isFalse();
    assertThat(convs.advanceRead(200, 2, 1)).isFalse();
    assertThat(convs.member(200, 2).orElseThrow().readSeq()).isEqualTo(8);

    assertThat(convs.advanceRead(200, 9, 1)).as("not a member").isFalse();
    assertThat(convs.advanceDelivered(200, 9, 1)).isFalse();
    assertThat(convs.member(200, 1).orElseThrow().readSeq()).as("others untouched").isZero();
  }

  @Test
  void batchAdvanceReportsOnlyWhatRose() {
    convs.createGroup(200, "G", 1, List.of(2L, 3L), NOW);
    convs.advanceDelivered(200, 3, 9);
    var p1 = new io.parley.server.conversation.model.Position(1, 200, 4);
    var p2 = new io.parley.server.conversation.model.Position(2, 200, 6);
    var p3 = new io.parley.server.conversation.model.Position(3, 200, 7);
    var outsider = new io.parley.server.conversation.model.Position(9, 200, 7);
    assertThat(convs.advanceDelivered(List.of(p1, p2, p3, outsider))).containsExactly(p1, p2);
    assertThat(convs.advanceRead(List.of(p2, p3))).containsExactly(p2, p3);
    assertThat(convs.advanceRead(List.of(p2))).isEmpty();
    assertThat(convs.advanceDelivered(List.of())).isEmpty();
    assertThat(convs.member(200, 3).orElseThrow().deliveredSeq()).isEqualTo(9);
    assertThat(convs.member(200, 2).orElseThrow().readSeq()).isEqualTo(6);
  }

  @Test
  void concurrentReadAdvancesKeepTheMaximum() throws Exception {
    convs.createGroup(200, "G", 1, List.of(2L), NOW);
    concurrently(
        8,
        t -> {
          for (int i = 0; i < 25; i++) {
            convs.advanceRead(200, 2, t * 25 + i);
          }
          return null;
        });
    Member m = convs.member(200, 2).orElseThrow();
    assertThat(m.readSeq()).isEqualTo(199);
    assertThat(m.deliveredSeq()).isEqualTo(199);
  }

  @Test
  void membershipPeriodsGiveTheVisibleRanges() {
    convs.createGroup(300, "G", 1, List.of(2L), NOW);
    convs.getOrCreateDirect(301, 1, 3, NOW);
    appendMessages(300, 1, 4); // last seq 4
    assertThat(convs.visibleRanges(300, 1)).containsExactly(new SeqRange(0, SeqRange.OPEN));
    assertThat(convs.visibleRanges(301, 3)).containsExactly(new SeqRange(0, SeqRange.OPEN));

    // joined later: from the seq at which it joined
    assertThat(convs.addMembers(300, List.of(4L), Role.MEMBER, NOW)).containsExactly(4L);
    assertThat(convs.visibleRanges(300, 4)).containsExactly(new SeqRange(4, SeqRange.OPEN));
    appendMessages(300, 1, 2); // 5, 6
    assertThat(convs.removeMember(300, 4)).isTrue();
    assertThat(convs.visibleRanges(300, 4)).as("a non-member reads nothing").isEmpty();
    appendMessages(300, 1, 3); // 7..9 while out
    convs.addMembers(300, List.of(4L), Role.MEMBER, NOW);
    assertThat(convs.visibleRanges(300, 4))
        .containsExactly(new SeqRange(4, 6), new SeqRange(9, SeqRange.OPEN));
    assertThat(convs.visibleRanges(4))
        .containsExactly(
            java.util.Map.entry(300L, List.of(new SeqRange(4, 6), new SeqRange(9, SeqRange.OPEN))));
    // removed and re-added with nothing sent in between: the empty period opens again
    convs.removeMember(300, 4);
    convs.addMembers(300, List.of(4L), Role.MEMBER, NOW);
    assertThat(convs.visibleRanges(300, 4))
        .containsExactly(new SeqRange(4, 6), new SeqRange(9, SeqRange.OPEN));

    // the group setting: members joining while it is on read from the start
    assertThat(convs.setHistoryVisibleToNewMembers(300, true)).isTrue();
    assertThat(convs.find(300).orElseThrow().historyVisibleToNewMembers()).isTrue();
    convs.addMembers(300, List.of(5L), Role.MEMBER, NOW);
    assertThat(convs.visibleRanges(300, 5)).containsExactly(new SeqRange(0, SeqRange.OPEN));
    assertThat(convs.member(300, 5).orElseThrow().joinedSeq()).isEqualTo(9);
    assertThat(convs.visibleRanges(300, 99)).isEmpty();
    assertThat(convs.visibleRanges(1).keySet()).containsExactlyInAnyOrder(300L, 301L);
    assertThat(convs.setHistoryVisibleToNewMembers(999, true)).isFalse();
  }

  private void appendMessages(long conversationId, long sender, int n) {
    List<NewMessage> batch =
        java.util.stream.IntStream.range(0, n)
            .mapToObj(
                i ->
                    new NewMessage(
                        nextId(),
                        conversationId,
                        sender,
                        1,
                        "c" + nextId(),
                        NOW,
                        "{\"text\":\"x\"}"))
            .toList();
    Set<Long> seqs =
        stores.messages().append(batch).stream()
            .map(r -> r.message().seq())
            .collect(Collectors.toSet());
    assertThat(seqs).hasSize(n);
  }
}
