package io.parley.server.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.api.Fields;
import java.util.Base64;

/**
 * Validates client message bodies and rewrites them canonically (only known fields, in a fixed
 * order), so stored bodies are always well-formed. {@code system} bodies are server-only.
 */
public final class Bodies {
  private static final int MAX_CAPTION = 1024;
  private static final int MAX_FILE_NAME = 255;

  private final int maxTextChars;
  private final int maxCiphertextBytes;

  public Bodies(int maxTextChars) {
    this.maxTextChars = maxTextChars;
    this.maxCiphertextBytes = Math.max(maxTextChars * 4, 65536);
  }

  /** Returns the canonical JSON of a valid client body, or throws {@code invalid_argument}. */
  public String canonical(JsonNode body) {
    if (body == null || body.isNull()) {
      throw ApiException.invalid("body is required");
    }
    if (!body.isObject()) {
      throw ApiException.invalid("body must be an object");
    }
    JsonNode kindNode = body.get("kind");
    if (kindNode == null || !kindNode.isTextual()) {
      throw ApiException.invalid("body.kind is required");
    }
    ObjectNode out = Json.MAPPER.createObjectNode();
    String kind = kindNode.asText();
    out.put("kind", kind);
    switch (kind) {
      case "text" -> out.put("text", text(body, "text", maxTextChars));
      case "media" -> {
        out.put("media_id", Long.toString(Fields.requiredId(body, "media_id")));
        String caption = Fields.optionalString(body, "caption", MAX_CAPTION);
        if (caption != null) {
          out.put("caption", caption);
        }
      }
      case "document" -> {
        out.put("media_id", Long.toString(Fields.requiredId(body, "media_id")));
        out.put("file_name", text(body, "file_name", MAX_FILE_NAME));
      }
      case "encrypted" -> {
        String ct = text(body, "ciphertext", maxCiphertextBytes * 4 / 3 + 4);
        try {
          Base64.getDecoder().decode(ct);
        } catch (IllegalArgumentException e) {
          throw ApiException.invalid("body.ciphertext must be base64");
        }
        out.put("ciphertext", ct);
      }
      case "system" -> throw ApiException.invalid("system bodies are written by the server only");
      default -> throw ApiException.invalid("unknown body kind: " + kind);
    }
    return Json.write(out);
  }

  private static String text(JsonNode body, String field, int max) {
    JsonNode v = body.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.invalid("body." + field + " is required");
    }
    if (!v.isTextual()) {
      throw ApiException.invalid("body." + field + " must be a string");
    }
    String s = v.asText();
    if (s.isEmpty()) {
      throw ApiException.invalid("body." + field + " must not be empty");
    }
    if (s.length() > max) {
      throw new ApiException(
          io.parley.protocol.ErrorCode.TOO_LARGE,
          "body." + field + " exceeds " + max + " characters");
    }
    return s;
  }
}
