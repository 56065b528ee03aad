package io.parley.server.retention;

import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.conversation.model.Conversation;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.ConversationType;
import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.Role;
import io.parley.server.messaging.MessagingService;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Per-conversation retention settings. In a group, owners and admins set it; in a direct
 * conversation, either member. A change is announced with a {@code retention_changed} system
 * message, so every member sees it in the history.
 */
public final class RetentionService {
  public static final int MAX_DAYS = 36_500;

  private final RetentionStore store;
  private final ConversationStore conversations;
  private final MessagingService messaging;
  private final RetentionJob job;

  public RetentionService(
      RetentionStore store,
      ConversationStore conversations,
      MessagingService messaging,
      RetentionJob job) {
    this.store = store;
    this.conversations = conversations;
    this.messaging = messaging;
    this.job = job;
  }

  /** Validates a {@code retention_days} value: an integer from 0 to {@link #MAX_DAYS}. */
  public static int checkDays(com.fasterxml.jackson.databind.JsonNode v) {
    if (v == null || !v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > MAX_DAYS) {
      throw ApiException.invalid("retention_days must be an integer from 0 to " + MAX_DAYS);
    }
    return v.asInt();
  }

  /** Sets the retention of a conversation; returns its view (see {@link #get}). */
  public Map<String, Object> set(long callerId, long conversationId, int days) {
    Conversation c = requireConversation(conversationId);
    Member m =
        conversations
            .member(conversationId, callerId)
            .orElseThrow(() -> ApiException.forbidden("not a member of this conversation"));
    if (c.type() == ConversationType.GROUP && m.role() == Role.MEMBER) {
      throw ApiException.forbidden("requires role admin or higher");
    }
    int before = store.retentionDays(conversationId).orElse(0);
    store.setRetentionDays(conversationId, days);
    if (before != days) {
      Map<String, Object> body = new LinkedHashMap<>();
      body.put("kind", "system");
      body.put("event", "retention_changed");
      body.put("actor_id", Long.toString(callerId));
      body.put("retention_days", days);
      messaging.sendSystem(conversationId, callerId, Json.write(body)).join();
    }
    return view(conversationId, days);
  }

  /** {@code {conversation_id, retention_days, effective_retention_days}} for a member. */
  public Map<String, Object> get(long callerId, long conversationId) {
    requireConversation(conversationId);
    if (conversations.member(conversationId, callerId).isEmpty()) {
      throw ApiException.forbidden("not a member of this conversation");
    }
    return view(conversationId, store.retentionDays(conversationId).orElse(0));
  }

  private Map<String, Object> view(long conversationId, int days) {
    Map<String, Object> v = new LinkedHashMap<>();
    v.put("conversation_id", Long.toString(conversationId));
    v.put("retention_days", days);
    v.put("effective_retention_days", job.effectiveDays(days));
    return v;
  }

  private Conversation requireConversation(long conversationId) {
    return conversations
        .find(conversationId)
        .orElseThrow(() -> ApiException.notFound("no such conversation"));
  }
}
