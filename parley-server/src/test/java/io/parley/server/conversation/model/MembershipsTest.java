package io.parley.server.conversation.model;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.store.Stores;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hot-path membership cache against a real store (SQLite). */
class MembershipsTest {

  @Test
  void directAndGroupMembersAreCachedAfterOneReadAndDroppedOnInvalidate() {
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      ConversationStore store = s.conversations();
      store.getOrCreateDirect(100, 9, 4, 0);
      store.createGroup(200, "g", 1, List.of(2L, 3L), 0);
      Memberships m = new Memberships(store, 1_000);
      List<long[]> told = new ArrayList<>();
      m.setRelationshipListener((conv, previous) -> told.add(previous));

      assertThat(m.cached(100)).isNull();
      assertThat(m.isCached(100)).isFalse();
      assertThat(m.members(100)).containsExactly(4, 9);
      assertThat(m.cached(100)).containsExactly(4, 9);
      assertThat(m.isCached(100)).isTrue();
      assertThat(m.isMember(100, 9)).isTrue();
      assertThat(m.isMember(100, 5)).isFalse();
      assertThat(m.members(200)).containsExactly(1, 2, 3);
      assertThat(m.isCached(200)).isTrue();
      assertThat(m.memberList(200)).containsExactly(1L, 2L, 3L);

      // a removal in the store is seen once the conversation is invalidated, not before
      store.removeMember(200, 3);
      assertThat(m.members(200)).containsExactly(1, 2, 3);
      m.invalidate(200);
      assertThat(told.get(0)).containsExactly(1, 2, 3);
      // the group now has two members: it moves to the pair table and back out again
      assertThat(m.members(200)).containsExactly(1, 2);
      store.addMembers(200, List.of(5L), Role.MEMBER, 0);
      m.invalidate(200);
      assertThat(told.get(1)).containsExactly(1, 2);
      assertThat(m.members(200)).containsExactly(1, 2, 5);

      m.invalidate(100);
      assertThat(told.get(2)).containsExactly(4, 9);
      assertThat(m.cached(100)).isNull();
      assertThat(m.isCached(100)).isFalse();
      m.invalidateAll();
      assertThat(m.cached(200)).isNull();
      assertThat(m.isCached(200)).isFalse();
    }
  }

  @Test
  void aDirectPairIsKnownWithoutTheStoreAndItsMembersOverwriteAStaleEmptyEntry() {
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      Memberships m = new Memberships(s.conversations(), 1_000);
      assertThat(m.direct(7, 3)).isNull();
      // looked up before the conversation existed: an empty list is cached
      assertThat(m.members(300)).isEmpty();
      m.directKnown(300, 7, 3);
      assertThat(m.direct(3, 7)).isEqualTo(300L);
      assertThat(m.direct(7, 3)).isEqualTo(300L);
      assertThat(m.members(300)).containsExactly(3, 7);
      m.directMembers(301, 8, 8); // a conversation with oneself
      assertThat(m.members(301)).containsExactly(8);
    }
  }

  @Test
  void lastSeqIsReadOnceThenOnlyRises() {
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      ConversationStore store = s.conversations();
      store.createGroup(400, "g", 1, List.of(2L), 0);
      Memberships m = new Memberships(store, 1_000);
      assertThat(m.lastSeq(400)).isZero();
      m.committed(400, 5);
      m.committed(400, 3); // out of order: never lowers
      assertThat(m.lastSeq(400)).isEqualTo(5);
      m.committed(401, 2); // known from a commit, never read
      assertThat(m.lastSeq(401)).isEqualTo(2);
      m.invalidateAll();
      assertThat(m.lastSeq(400)).isZero(); // read again: nothing was stored in the store itself
    }
  }
}
