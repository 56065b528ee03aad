package io.parley.server.conversation;

import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.SeqRange;
import io.parley.server.messaging.MessageStore;
import io.parley.server.messaging.StoredMessage;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The one rule for which messages a user may read (history paging, backlog replay, the conversation
 * list and search all go through it): a member reads the messages of its membership periods, i.e.
 * from the seq after which it (re)joined, never what was sent while it was out, and a non-member
 * reads nothing. A group whose owner set {@code history_visible_to_new_members} opens the periods
 * of members who join while it is set at seq 0, so they read the earlier history too.
 *
 * <p>The ranges come from {@link ConversationStore#visibleRanges}; this class merges them and reads
 * messages through {@link MessageStore#range}, one range scan per membership period at most. All
 * methods block.
 */
public final class Visibility {
  private final ConversationStore conversations;
  private final MessageStore messages;

  public Visibility(ConversationStore conversations, MessageStore messages) {
    this.conversations = conversations;
    this.messages = messages;
  }

  /** The ranges the user may read in a conversation, merged and ascending; empty if none. */
  public List<SeqRange> ranges(long conversationId, long userId) {
    return merge(conversations.visibleRanges(conversationId, userId));
  }

  /** {@link #ranges} of every conversation the user is a member of, by conversation id. */
  public Map<Long, List<SeqRange>> ranges(long userId) {
    Map<Long, List<SeqRange>> all = conversations.visibleRanges(userId);
    all.replaceAll((conv, r) -> merge(r));
    return all;
  }

  /** Whether {@code seq} lies in one of {@code ranges}. */
  public static boolean visible(List<SeqRange> ranges, long seq) {
    for (SeqRange r : ranges) {
      if (r.contains(seq)) {
        return true;
      }
    }
    return false;
  }

  /**
   * The first seq after which everything is visible: the start of the open range (the current
   * membership period), or {@link Long#MAX_VALUE} if there is none.
   */
  public static long openFrom(List<SeqRange> ranges) {
    return ranges.isEmpty() || !ranges.getLast().isOpen()
        ? Long.MAX_VALUE
        : ranges.getLast().afterSeq();
  }

  /**
   * Like {@link MessageStore#range} restricted to {@code ranges}: the visible messages with {@code
   * afterSeq < seq < beforeSeq}, ascending; the {@code limit} lowest, or the highest if {@code
   * newestFirst}.
   */
  public List<StoredMessage> range(
      List<SeqRange> ranges,
      long conversationId,
      long afterSeq,
      long beforeSeq,
      int limit,
      boolean newestFirst) {
    List<StoredMessage> out = new ArrayList<>();
    int n = ranges.size();
    for (int i = 0; i < n && out.size() < limit; i++) {
      SeqRange r = ranges.get(newestFirst ? n - 1 - i : i);
      long after = Math.max(afterSeq, r.afterSeq());
      long before = r.toSeq() == SeqRange.OPEN ? beforeSeq : Math.min(beforeSeq, r.toSeq() + 1);
      if (after + 1 >= before) {
        continue;
      }
      List<StoredMessage> part =
          messages.range(conversationId, after, before, limit - out.size(), newestFirst);
      if (newestFirst) {
        out.addAll(0, part);
      } else {
        out.addAll(part);
      }
    }
    return out;
  }

  /** The newest message the user may read, if any. */
  public Optional<StoredMessage> last(List<SeqRange> ranges, long conversationId) {
    List<StoredMessage> one = range(ranges, conversationId, 0, Long.MAX_VALUE, 1, true);
    return one.isEmpty() ? Optional.empty() : Optional.of(one.getFirst());
  }

  /** Sorts and merges overlapping or adjacent ranges. */
  static List<SeqRange> merge(List<SeqRange> ranges) {
    if (ranges.size() <= 1) {
      return ranges;
    }
    List<SeqRange> sorted = new ArrayList<>(ranges);
    sorted.sort((a, b) -> Long.compare(a.afterSeq(), b.afterSeq()));
    List<SeqRange> out = new ArrayList<>();
    SeqRange cur = sorted.getFirst();
    for (SeqRange r : sorted.subList(1, sorted.size())) {
      if (r.afterSeq() <= cur.toSeq()) {
        cur = new SeqRange(cur.afterSeq(), Math.max(cur.toSeq(), r.toSeq()));
      } else {
        out.add(cur);
        cur = r;
      }
    }
    out.add(cur);
    return Collections.unmodifiableList(out);
  }
}
