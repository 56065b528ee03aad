package io.parley.protocol;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * A message as it appears on the wire (API.md "message object"). IDs are decimal strings; {@code
 * body} is one of the body kinds ({@code text}, {@code media}, {@code document}, {@code encrypted},
 * {@code system}).
 */
public record MessageView(
    String messageId,
    String conversationId,
    long seq,
    String senderId,
    String senderDeviceId,
    String clientMsgId,
    long ts,
    JsonNode body) {

  /** The body's {@code kind}, or {@code null}. */
  public String kind() {
    return body == null || !body.hasNonNull("kind") ? null : body.get("kind").asText();
  }

  /** The {@code text} of a text body, or {@code null}. */
  public String text() {
    return body == null || !body.hasNonNull("text") ? null : body.get("text").asText();
  }
}
