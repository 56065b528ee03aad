package io.parley.server.media;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;

/**
 * Finds the media a stored message body references. Bodies are canonical ({@code messaging.Bodies}:
 * {@code kind} first), so a prefix test skips every other body without parsing; only media and
 * document bodies are parsed. Runs on the group-commit writer thread.
 */
public final class MediaRefs {
  private static final String MEDIA = "{\"kind\":\"media\"";
  private static final String DOCUMENT = "{\"kind\":\"document\"";

  private MediaRefs() {}

  /** A reference of one message to one media, with the document's file name (or null). */
  public record Ref(long conversationId, long messageId, long mediaId, String fileName) {}

  /** The reference of a message body, or null when it references no media. */
  public static Ref of(long conversationId, long messageId, String bodyJson) {
    if (!bodyJson.startsWith(MEDIA) && !bodyJson.startsWith(DOCUMENT)) {
      return null;
    }
    JsonNode n = Json.read(bodyJson, JsonNode.class);
    JsonNode id = n.get("media_id");
    if (id == null) {
      return null;
    }
    long mediaId;
    try {
      mediaId = Long.parseLong(id.asText());
    } catch (NumberFormatException e) {
      return null;
    }
    JsonNode fn = n.get("file_name");
    return new Ref(conversationId, messageId, mediaId, fn == null ? null : fn.asText());
  }
}
