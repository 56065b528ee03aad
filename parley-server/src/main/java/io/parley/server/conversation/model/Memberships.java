package io.parley.server.conversation.model;

import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Read-through cache of conversation members and each conversation's last seq, used on the hot path
 * (authorizing every send and fanning it out) so that no send reads the database once its
 * conversation is warm. Writers of membership call {@link #invalidate}. Bounded: past about {@code
 * maxEntries} per kind of entry, some are forgotten and refill on demand.
 *
 * <p>Conversations of two members (every direct one), their last seqs and the direct pairs live in
 * {@link LongTable}s, primitive arrays with no object per entry: with random pairs of users every
 * first message adds an entry, and as boxed map entries they made the young collections copy tens
 * of megabytes (see {@link LongTable}). Other member lists (groups) stay in a map.
 */
public final class Memberships {
  private final ConversationStore store;
  private final int maxEntries;

  /** Member lists of any size but two. */
  private final ConcurrentHashMap<Long, long[]> members = new ConcurrentHashMap<>();

  /** conversation id -> its two members, lower id first. */
  private final LongTable pairs;

  /** conversation id -> highest committed seq seen. */
  private final LongTable lastSeq;

  /** (lower user id, higher user id) -> their direct conversation's id. */
  private final LongTable directs;

  private volatile RelationshipListener listener = (conversationId, previous) -> {};

  public Memberships(ConversationStore store, int maxEntries) {
    this.store = store;
    this.maxEntries = maxEntries;
    this.pairs = new LongTable(1, 2, maxEntries);
    this.lastSeq = new LongTable(1, 1, maxEntries);
    this.directs = new LongTable(2, 1, maxEntries);
  }

  /** Sorted member user ids; empty if the conversation does not exist. May block on a miss. */
  public long[] members(long conversationId) {
    long[] m = cached(conversationId);
    if (m != null) {
      return m;
    }
    long[] loaded =
        store.members(conversationId).stream().mapToLong(Member::userId).sorted().toArray();
    cache(conversationId, loaded);
    return loaded;
  }

  /** Whether the members are cached: {@link #cached} is not null. Allocates nothing. */
  public boolean isCached(long conversationId) {
    return pairs.contains(conversationId, 0) || members.containsKey(conversationId);
  }

  /** The cached members, or null without touching the store. */
  public long[] cached(long conversationId) {
    long[] pair = new long[2];
    if (pairs.get(conversationId, 0, pair)) {
      return pair;
    }
    return members.get(conversationId);
  }

  private void cache(long conversationId, long[] sorted) {
    if (sorted.length == 2) {
      members.remove(conversationId);
      pairs.put(conversationId, 0, sorted[0], sorted[1]);
      return;
    }
    pairs.remove(conversationId, 0);
    if (members.size() >= maxEntries) {
      members.clear();
    }
    members.put(conversationId, sorted);
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
    long[] before = cached(conversationId);
    pairs.remove(conversationId, 0);
    members.remove(conversationId);
    listener.relationshipsChanged(conversationId, before);
  }

  /** The conversation got its first message (a direct conversation becomes a relationship). */
  public void firstMessage(long conversationId) {
    listener.relationshipsChanged(conversationId, null);
  }

  /** The cached direct conversation of two users, or null (unknown to this node). Never blocks. */
  public Long direct(long userA, long userB) {
    long id = directs.get(Math.min(userA, userB), Math.max(userA, userB), 0, 0);
    return id == 0 ? null : id;
  }

  /**
   * Records the direct conversation of two users (its members are exactly the two, which never
   * change), so later sends by {@code to_user_id} and their authorization need no store access.
   */
  public void directKnown(long conversationId, long userA, long userB) {
    directs.put(Math.min(userA, userB), Math.max(userA, userB), conversationId);
    directMembers(conversationId, userA, userB);
  }

  /**
   * Caches the two members of a direct conversation, before it is committed if it is being created
   * in an append transaction: code running inside that transaction (the push outbox hook) reads
   * members through this cache, and a store read there could not see the new rows yet.
   */
  public void directMembers(long conversationId, long userA, long userB) {
    long[] pair =
        userA == userB
            ? new long[] {userA}
            : new long[] {Math.min(userA, userB), Math.max(userA, userB)};
    // overwrites a stale empty entry cached by a lookup made before the conversation existed
    cache(conversationId, pair);
  }

  /** Drops every cached entry (this node may have missed membership changes). */
  public void invalidateAll() {
    members.clear();
    pairs.clear();
    lastSeq.clear();
  }

  /** Highest seq committed in the conversation, as seen by this node. May block on a miss. */
  public long lastSeq(long conversationId) {
    long s = lastSeq.get(conversationId, 0, 0, -1);
    if (s >= 0) {
      return s;
    }
    long loaded = store.find(conversationId).map(Conversation::lastSeq).orElse(0L);
    return lastSeq.putMax(conversationId, 0, loaded);
  }

  /** Records a committed seq. */
  public void committed(long conversationId, long seq) {
    lastSeq.putMax(conversationId, 0, seq);
  }
}
