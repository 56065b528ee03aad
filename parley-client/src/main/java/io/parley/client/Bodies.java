package io.parley.client;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.Json;

/** Builders for message bodies (API.md body kinds). */
public final class Bodies {
  private Bodies() {}

  public static ObjectNode text(String text) {
    return Json.MAPPER.createObjectNode().put("kind", "text").put("text", text);
  }

  public static ObjectNode media(String mediaId, String caption) {
    ObjectNode b = Json.MAPPER.createObjectNode().put("kind", "media").put("media_id", mediaId);
    if (caption != null) {
      b.put("caption", caption);
    }
    return b;
  }

  public static ObjectNode document(String mediaId, String fileName) {
    return Json.MAPPER
        .createObjectNode()
        .put("kind", "document")
        .put("media_id", mediaId)
        .put("file_name", fileName);
  }

  /** {@code ciphertextBase64} is opaque to the server. */
  public static ObjectNode encrypted(String ciphertextBase64) {
    return Json.MAPPER
        .createObjectNode()
        .put("kind", "encrypted")
        .put("ciphertext", ciphertextBase64);
  }
}
