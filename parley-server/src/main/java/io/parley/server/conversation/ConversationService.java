package io.parley.server.conversation;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.auth.User;
import io.parley.server.auth.UserStore;
import io.parley.server.conversation.model.Conversation;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.ConversationType;
import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.SeqRange;
import io.parley.server.messaging.MessageJson;
import io.parley.server.messaging.MessageStore;
import io.parley.server.messaging.MessagingService;
import io.parley.server.messaging.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Direct conversations, the conversation list and history paging. All methods block (store reads)
 * and authorize the caller: non-members get {@code forbidden}, unknown ids {@code not_found}.
 */
public final class ConversationService {
  private final ConversationStore conversations;
  private final MessageStore messages;
  private final UserStore users;
  private final MessagingService messaging;
  private final Visibility visibility;
  private final int pageMax;

  public ConversationService(
      ConversationStore conversations,
      MessageStore messages,
      UserStore users,
      MessagingService messaging,
      Visibility visibility,
      int pageMax) {
    this.conversations = conversations;
    this.messages = messages;
    this.visibility = visibility;
    this.users = users;
    this.messaging = messaging;
    this.pageMax = pageMax;
  }

  /** The caller's direct conversation with {@code otherUserId}, created on first use. */
  public Map<String, Object> direct(long callerId, long otherUserId) {
    long id = messaging.directConversation(callerId, otherUserId);
    Conversation c = conversations.find(id).orElseThrow();
    List<Member> members = conversations.members(id);
    return ConversationViews.conversation(c, title(c, callerId, members), members);
  }

  /** The caller's conversations, most recently active first, with last message and unread. */
  public String list(long callerId) {
    ObjectNode root = Json.MAPPER.createObjectNode();
    var arr = root.putArray("conversations");
    Map<Long, Member> mine = new java.util.HashMap<>();
    for (Member m : conversations.membershipsOf(callerId)) {
      mine.put(m.conversationId(), m);
    }
    Map<Long, List<SeqRange>> visible = visibility.ranges(callerId);
    for (Conversation c : conversations.conversationsOf(callerId)) {
      Member me = mine.get(c.id());
      long readSeq = me == null ? 0 : me.readSeq();
      List<Member> members = conversations.members(c.id());
      ObjectNode n =
          Json.MAPPER.valueToTree(
              ConversationViews.conversation(c, title(c, callerId, members), members));
      List<SeqRange> ranges = visible.getOrDefault(c.id(), List.of());
      Optional<StoredMessage> last = visibility.last(ranges, c.id());
      if (last.isPresent()) {
        try {
          n.set("last_message", Json.MAPPER.readTree(MessageJson.object(last.get())));
        } catch (java.io.IOException e) {
          throw new IllegalStateException(e);
        }
      } else {
        n.putNull("last_message");
      }
      // unread messages all lie in the current membership period
      long unreadAfter = Math.max(readSeq, Visibility.openFrom(ranges));
      n.put(
          "unread_count",
          unreadAfter == Long.MAX_VALUE ? 0 : messages.countUnread(c.id(), callerId, unreadAfter));
      n.put("last_read_seq", readSeq);
      arr.add(n);
    }
    return Json.write(root);
  }

  /**
   * A page of history: {@code afterSeq} pages forward from it, else the newest messages before
   * {@code beforeSeq} (or the newest of all). Only messages the caller may read ({@link
   * Visibility}) are returned and counted for {@code has_more}.
   */
  public String history(
      long callerId, long conversationId, Long beforeSeq, Long afterSeq, int limit) {
    requireMember(callerId, conversationId);
    if (limit < 1 || limit > pageMax) {
      throw ApiException.invalid("limit must be between 1 and " + pageMax);
    }
    boolean forward = afterSeq != null;
    long after = afterSeq == null ? 0 : afterSeq;
    long before = beforeSeq == null ? Long.MAX_VALUE : beforeSeq;
    List<StoredMessage> page =
        visibility.range(
            visibility.ranges(conversationId, callerId),
            conversationId,
            after,
            before,
            limit + 1,
            !forward);
    boolean hasMore = page.size() > limit;
    if (hasMore) {
      page = forward ? page.subList(0, limit) : page.subList(1, page.size());
    }
    return MessageJson.page(page, hasMore);
  }

  /** Throws unless the user is a member. */
  public Member requireMember(long userId, long conversationId) {
    Optional<Member> m = conversations.member(conversationId, userId);
    if (m.isPresent()) {
      return m.get();
    }
    if (conversations.find(conversationId).isEmpty()) {
      throw ApiException.notFound("no such conversation");
    }
    throw ApiException.forbidden("not a member of this conversation");
  }

  /** Groups show their name; a direct conversation shows the other member's display name. */
  private String title(Conversation c, long callerId, List<Member> members) {
    if (c.type() == ConversationType.GROUP) {
      return c.title();
    }
    List<Long> others = new ArrayList<>();
    for (Member m : members) {
      if (m.userId() != callerId) {
        others.add(m.userId());
      }
    }
    return others.isEmpty()
        ? null
        : users.findUser(others.get(0)).map(User::displayName).orElse(null);
  }
}
