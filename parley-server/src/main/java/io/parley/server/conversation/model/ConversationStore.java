package io.parley.server.conversation.model;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Conversations and their members, including each member's cumulative delivered/read positions.
 * Implementations are thread-safe; multi-row changes are atomic.
 */
public interface ConversationStore {

  /**
   * Returns the direct conversation of the unordered pair {a, b}, creating it with id {@code newId}
   * if it does not exist. Concurrent calls for one pair yield one conversation.
   */
  Conversation getOrCreateDirect(long newId, long userA, long userB, long now);

  /** Creates a group with {@code ownerId} as OWNER and the others as MEMBER. */
  Conversation createGroup(
      long id, String title, long ownerId, Collection<Long> memberIds, long now);

  Optional<Conversation> find(long conversationId);

  /**
   * The last committed seq of each of {@code conversationIds} that exists (one read, whatever the
   * number of ids).
   */
  Map<Long, Long> lastSeqs(Collection<Long> conversationIds);

  /** Sets the title of a group; false if no such conversation. */
  boolean rename(long conversationId, String title);

  /** Members ordered by join time then user id. */
  List<Member> members(long conversationId);

  Optional<Member> member(long conversationId, long userId);

  /** Number of members. */
  int memberCount(long conversationId);

  /**
   * Adds users not yet members with {@code role}; their {@code joinedSeq} is the conversation's
   * current last seq. Each added user gets a membership period starting after that seq, or after 0
   * if the conversation's history is visible to new members. Returns the user ids actually added.
   */
  List<Long> addMembers(long conversationId, Collection<Long> userIds, Role role, long now);

  /**
   * Removes a member and closes its membership period at the conversation's current last seq; false
   * if it was not one.
   */
  boolean removeMember(long conversationId, long userId);

  /** Sets whether members who join from now on may read earlier history; false if no such one. */
  boolean setHistoryVisibleToNewMembers(long conversationId, boolean visible);

  /**
   * The seq ranges of the conversation the user may read: its membership periods (the one open
   * while it is a member), ascending by {@code afterSeq}; empty unless the user is a member now.
   * Conversations created with the user as member start a period after seq 0.
   */
  List<SeqRange> visibleRanges(long conversationId, long userId);

  /** {@link #visibleRanges(long, long)} of every conversation the user is a member of. */
  java.util.Map<Long, List<SeqRange>> visibleRanges(long userId);

  /** Sets a member's role; false if it is not a member. */
  boolean setRole(long conversationId, long userId, Role role);

  /** Conversations the user is a member of, most recently active (highest last seq) first. */
  List<Conversation> conversationsOf(long userId);

  /** Memberships of the user, one per conversation. */
  List<Member> membershipsOf(long userId);

  /** Raises the member's delivered position to {@code seq}; true if it increased. */
  default boolean advanceDelivered(long conversationId, long userId, long seq) {
    return !advanceDelivered(List.of(new Position(userId, conversationId, seq))).isEmpty();
  }

  /** Raises the member's read position (and delivered, which read implies); true if read rose. */
  default boolean advanceRead(long conversationId, long userId, long seq) {
    return !advanceRead(List.of(new Position(userId, conversationId, seq))).isEmpty();
  }

  /**
   * Applies {@link #advanceDelivered(long, long, long)} to each update ({@code ownerId} = user) in
   * one transaction; returns the updates that raised a position.
   */
  List<Position> advanceDelivered(List<Position> updates);

  /** Applies {@link #advanceRead(long, long, long)} to each update in one transaction. */
  List<Position> advanceRead(List<Position> updates);
}
