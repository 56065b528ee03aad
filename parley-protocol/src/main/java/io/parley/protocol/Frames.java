package io.parley.protocol;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * WebSocket frame types (API.md). Every frame is one JSON text message whose {@code type} names it.
 * Each record carries its {@code type} so that serializing it yields the exact wire shape.
 */
public final class Frames {
  private Frames() {}

  // ---- client -> server ----

  /** {@code send}: exactly one of {@code conversationId} / {@code toUserId}. */
  public record Send(
      String type, String clientMsgId, String conversationId, String toUserId, JsonNode body) {
    public Send(String clientMsgId, String conversationId, String toUserId, JsonNode body) {
      this("send", clientMsgId, conversationId, toUserId, body);
    }
  }

  /** {@code delivered} or {@code read}: cumulative position in a conversation. */
  public record Position(String type, String conversationId, long seq) {
    public static Position delivered(String conversationId, long seq) {
      return new Position("delivered", conversationId, seq);
    }

    public static Position read(String conversationId, long seq) {
      return new Position("read", conversationId, seq);
    }
  }

  /** {@code typing} from a client ({@code userId} null) or relayed by the server. */
  public record Typing(String type, String conversationId, String userId, String state) {
    public Typing(String conversationId, String userId, String state) {
      this("typing", conversationId, userId, state);
    }
  }

  /** {@code presence_subscribe} / {@code presence_unsubscribe}. */
  public record PresenceInterest(String type, List<String> userIds) {
    public static PresenceInterest subscribe(List<String> userIds) {
      return new PresenceInterest("presence_subscribe", userIds);
    }

    public static PresenceInterest unsubscribe(List<String> userIds) {
      return new PresenceInterest("presence_unsubscribe", userIds);
    }
  }

  /** {@code ping}, {@code pong}, {@code synced}: frames with nothing but a type. */
  public record Bare(String type) {
    public static final Bare PING = new Bare("ping");
    public static final Bare PONG = new Bare("pong");
    public static final Bare SYNCED = new Bare("synced");
  }

  // ---- server -> client ----

  public record Hello(
      String type, String userId, String deviceId, String nodeId, long heartbeatMs) {
    public Hello(String userId, String deviceId, String nodeId, long heartbeatMs) {
      this("hello", userId, deviceId, nodeId, heartbeatMs);
    }
  }

  public record Ack(
      String type, String clientMsgId, String messageId, String conversationId, long seq, long ts) {
    public Ack(String clientMsgId, String messageId, String conversationId, long seq, long ts) {
      this("ack", clientMsgId, messageId, conversationId, seq, ts);
    }
  }

  public record Message(String type, MessageView message) {
    public Message(MessageView message) {
      this("message", message);
    }
  }

  public record Receipt(
      String type, String conversationId, String userId, String status, long seq) {
    public Receipt(String conversationId, String userId, String status, long seq) {
      this("receipt", conversationId, userId, status, seq);
    }
  }

  public record Presence(String type, String userId, boolean online, Long lastSeen) {
    public Presence(String userId, boolean online, Long lastSeen) {
      this("presence", userId, online, lastSeen);
    }
  }

  /** {@code conversation}: {@code event} is created, member_added, member_removed, renamed... */
  public record Conversation(String type, String event, JsonNode conversation) {
    public Conversation(String event, JsonNode conversation) {
      this("conversation", event, conversation);
    }
  }

  /**
   * {@code error}: {@code clientMsgId} names the refused {@code send}; {@code retryAfterMs} is set
   * for {@code rate_limited} (how long to wait before sending again).
   */
  @SuppressWarnings(
      "JavaLangClash") // named after the wire frame "error"; renaming breaks SDK users
  public record Error(
      String type, String code, String message, String clientMsgId, Long retryAfterMs) {
    public Error(String code, String message, String clientMsgId) {
      this("error", code, message, clientMsgId, null);
    }

    public Error(String code, String message, String clientMsgId, Long retryAfterMs) {
      this("error", code, message, clientMsgId, retryAfterMs);
    }
  }

  public record Reconnect(String type, String reason, long retryAfterMs) {
    public Reconnect(String reason, long retryAfterMs) {
      this("reconnect", reason, retryAfterMs);
    }
  }
}
