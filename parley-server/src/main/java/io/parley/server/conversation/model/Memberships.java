package io.parley.server.conversation.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read-through cache of conversation members and each conversation's last seq, used on the hot path
 * (authorizing every send and fanning it out) so that no send reads the database once its
 * conversation is warm. Writers of membership call {@link #invalidate}. Bounded: past {@code
 * maxEntries} the cache is dropped and refills on demand.
 */
public final class Memberships {
  private final ConversationStore store;
  private final int maxEntries;
  private final ConcurrentHashMap<Long, long[]> members = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Long, Long> lastSeq = new ConcurrentHashMap<>();

  public Memberships(ConversationStore store, int maxEntries) {
    this.store = store;
    this.maxEntries = maxEntries;
  }

  /** Sorted member user ids; empty if the conversation does not exist. May block on a miss. */
  public long[] members(long conversationId) {
    long[] m = members.get(conversationId);
    if (m != null) {
      return m;
    }
    if (members.size() >= maxEntries) {
      members.clear();
    }
    long[] loaded =
        store.members(conversationId).stream().mapToLong(Member::userId).sorted().toArray();
    members.put(conversationId, loaded);
    return loaded;
  }

  /** The cached members, or null without touching the store. */
  public long[] cached(long conversationId) {
    return members.get(conversationId);
  }

  public boolean isMember(long conversationId, long userId) {
    return Arrays.binarySearch(members(conversationId), userId) >= 0;
  }

  public List<Long> memberList(long conversationId) {
    return Arrays.stream(members(conversationId)).boxed().toList();
  }

  /** Users sharing at least one conversation with {@code userId} (including itself). */
  public Set<Long> contactsOf(long userId) {
    Set<Long> out = new HashSet<>();
    out.add(userId);
    for (Member m : store.membershipsOf(userId)) {
      for (long u : members(m.conversationId())) {
        out.add(u);
      }
    }
    return out;
  }

  public void invalidate(long conversationId) {
    members.remove(conversationId);
  }

  /** Drops every cached entry (this node may have missed membership changes). */
  public void invalidateAll() {
    members.clear();
    lastSeq.clear();
  }

  /** Highest seq committed in the conversation, as seen by this node. May block on a miss. */
  public long lastSeq(long conversationId) {
    Long s = lastSeq.get(conversationId);
    if (s != null) {
      return s;
    }
    long loaded = store.find(conversationId).map(Conversation::lastSeq).orElse(0L);
    return lastSeq.merge(conversationId, loaded, Math::max);
  }

  /** Records a committed seq. */
  public void committed(long conversationId, long seq) {
    if (lastSeq.size() >= maxEntries) {
      lastSeq.clear();
    }
    lastSeq.merge(conversationId, seq, Math::max);
  }
}
