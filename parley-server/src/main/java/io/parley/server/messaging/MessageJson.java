package io.parley.server.messaging;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.List;

/**
 * Writes message JSON by hand around the stored body text, so a message is serialized once per
 * fan-out and its body is never re-parsed.
 */
public final class MessageJson {
  private MessageJson() {}

  /** The API.md message object. */
  public static StringBuilder object(StringBuilder sb, StoredMessage m) {
    sb.append("{\"message_id\":\"")
        .append(m.messageId())
        .append("\",\"conversation_id\":\"")
        .append(m.conversationId())
        .append("\",\"seq\":")
        .append(m.seq())
        .append(",\"sender_id\":\"")
        .append(m.senderId())
        .append("\",\"sender_device_id\":\"")
        .append(m.senderDeviceId())
        .append("\",\"client_msg_id\":");
    quote(sb, m.clientMsgId());
    return sb.append(",\"ts\":")
        .append(m.ts())
        .append(",\"body\":")
        .append(m.bodyJson())
        .append('}');
  }

  public static String object(StoredMessage m) {
    return object(new StringBuilder(256), m).toString();
  }

  /** The {@code message} frame. */
  public static String frame(StoredMessage m) {
    StringBuilder sb = new StringBuilder(256).append("{\"type\":\"message\",\"message\":");
    return object(sb, m).append('}').toString();
  }

  /** The {@code ack} frame for a stored message. */
  public static String ack(StoredMessage m) {
    StringBuilder sb = new StringBuilder(160).append("{\"type\":\"ack\",\"client_msg_id\":");
    quote(sb, m.clientMsgId());
    return sb.append(",\"message_id\":\"")
        .append(m.messageId())
        .append("\",\"conversation_id\":\"")
        .append(m.conversationId())
        .append("\",\"seq\":")
        .append(m.seq())
        .append(",\"ts\":")
        .append(m.ts())
        .append('}')
        .toString();
  }

  /** The {@code receipt} frame (ids are numeric, status a fixed word: nothing to escape). */
  public static String receipt(long conversationId, long userId, String status, long seq) {
    return "{\"type\":\"receipt\",\"conversation_id\":\""
        + conversationId
        + "\",\"user_id\":\""
        + userId
        + "\",\"status\":\""
        + status
        + "\",\"seq\":"
        + seq
        + '}';
  }

  /** {@code {"messages":[...],"has_more":b}}. */
  public static String page(List<StoredMessage> messages, boolean hasMore) {
    StringBuilder sb = new StringBuilder(64 + messages.size() * 256).append("{\"messages\":[");
    for (int i = 0; i < messages.size(); i++) {
      if (i > 0) {
        sb.append(',');
      }
      object(sb, messages.get(i));
    }
    return sb.append("],\"has_more\":").append(hasMore).append('}').toString();
  }

  public static void quote(StringBuilder sb, String s) {
    if (s == null) {
      sb.append("null");
      return;
    }
    sb.append('"');
    JsonStringEncoder.getInstance().quoteAsString(s, sb);
    sb.append('"');
  }
}
