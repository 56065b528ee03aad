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
  private final ConcurrentHashMap<DirectPair, Long> directs = new ConcurrentHashMap<>();
  private volatile RelationshipListener listener = (conversationId, previous) -> {};

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

  /**
   * Who {@code userId} is related to, for presence: {@code shared} holds every user sharing a
   * conversation with it (an empty direct one included), {@code contacts} those with a
   * relationship: a shared group, or a direct conversation in which at least one message was sent.
   * Both include the user itself. Blocks (reads the user's conversations; members come from the
   * cache).
   */
  public Relations relationsOf(long userId) {
    Set<Long> shared = new HashSet<>();
    Set<Long> contacts = new HashSet<>();
    shared.add(userId);
    contacts.add(userId);
    for (Conversation c : store.conversationsOf(userId)) {
      boolean related = c.type() == ConversationType.GROUP || c.lastSeq() > 0;
      for (long u : members(c.id())) {
        shared.add(u);
        if (related) {
          contacts.add(u);
        }
      }
    }
    return new Relations(shared, contacts);
  }

  /** See {@link #relationsOf}. */
  public record Relations(Set<Long> shared, Set<Long> contacts) {}

  /**
   * Hears that relationships between members of a conversation may have changed: its members
   * changed ({@code previousMembers} is the member list before, if it was cached) or its first
   * message was sent ({@code previousMembers} null: all members are affected). Must not block.
   */
  @FunctionalInterface
  public interface RelationshipListener {
    void relationshipsChanged(long conversationId, long[] previousMembers);
  }

  public void setRelationshipListener(RelationshipListener listener) {
    this.listener = listener;
  }

  /**
   * Drops the cached members after a membership change, and tells the relationship listener. In a
   * cluster this must also reach the other nodes (through the broker).
   */
  public void invalidate(long conversationId) {
    long[] before = members.remove(conversationId);
    listener.relationshipsChanged(conversationId, before);
  }

  /** The conversation got its first message (a direct conversation becomes a relationship). */
  public void firstMessage(long conversationId) {
    listener.relationshipsChanged(conversationId, null);
  }

  /** An unordered pair of users with a direct conversation. */
  private record DirectPair(long low, long high) {
    static DirectPair of(long a, long b) {
      return new DirectPair(Math.min(a, b), Math.max(a, b));
    }
  }

  /** The cached direct conversation of two users, or null (unknown to this node). Never blocks. */
  public Long direct(long userA, long userB) {
    return directs.get(DirectPair.of(userA, userB));
  }

  /**
   * Records the direct conversation of two users (its members are exactly the two, which never
   * change), so later sends by {@code to_user_id} and their authorization need no store access.
   */
  public void directKnown(long conversationId, long userA, long userB) {
    if (directs.size() >= maxEntries) {
      directs.clear();
    }
    directs.put(DirectPair.of(userA, userB), conversationId);
    directMembers(conversationId, userA, userB);
  }

  /**
   * Caches the two members of a direct conversation, before it is committed if it is being created
   * in an append transaction: code running inside that transaction (the push outbox hook) reads
   * members through this cache, and a store read there could not see the new rows yet.
   */
  public void directMembers(long conversationId, long userA, long userB) {
    if (members.size() >= maxEntries) {
      members.clear();
    }
    long[] pair =
        userA == userB
            ? new long[] {userA}
            : new long[] {Math.min(userA, userB), Math.max(userA, userB)};
    // overwrites a stale empty entry cached by a lookup made before the conversation existed
    members.put(conversationId, pair);
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
