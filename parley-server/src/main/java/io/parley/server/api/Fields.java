package io.parley.server.api;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Validation of request fields, shared by every transport (REST bodies and parameters, WebSocket
 * frames): each check throws {@link ApiException} {@code invalid_argument} with a precise message.
 */
public final class Fields {
  private Fields() {}

  /** A required string field, trimmed length 1..maxLen. */
  public static String requiredString(JsonNode obj, String field, int maxLen) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.invalid(field + " is required");
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(field + " must be a string");
    }
    String s = v.asText();
    if (s.isBlank()) {
      throw ApiException.invalid(field + " must not be empty");
    }
    if (s.length() > maxLen) {
      throw ApiException.invalid(field + " is longer than " + maxLen + " characters");
    }
    return s;
  }

  /** An optional string field (null when absent), at most maxLen characters. */
  public static String optionalString(JsonNode obj, String field, int maxLen) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      return null;
    }
    if (!v.isTextual()) {
      throw ApiException.invalid(field + " must be a string");
    }
    if (v.asText().length() > maxLen) {
      throw ApiException.invalid(field + " is longer than " + maxLen + " characters");
    }
    return v.asText();
  }

  /** A required ID field: a decimal string (or JSON integer) holding a positive 64-bit id. */
  public static long requiredId(JsonNode obj, String field) {
    JsonNode v = obj.get(field);
    if (v == null || v.isNull()) {
      throw ApiException.invalid(field + " is required");
    }
    return idValue(v, field);
  }

  /** An id given as a decimal string or a JSON integer; {@code invalid_argument} otherwise. */
  public static long idValue(JsonNode v, String field) {
    return parseId(v.isTextual() || v.isIntegralNumber() ? v.asText() : null, field);
  }

  /**
   * An array of ids of at most {@code max} entries. An absent or null field is an error when {@code
   * required}, else an empty list.
   */
  public static java.util.List<Long> idList(JsonNode obj, String field, boolean required, int max) {
    JsonNode v = obj.get(field);
    if (!required && (v == null || v.isNull())) {
      return java.util.List.of();
    }
    if (v == null || !v.isArray()) {
      throw ApiException.invalid(field + " must be an array of ids");
    }
    if (v.size() > max) {
      throw ApiException.invalid("at most " + max + " " + field);
    }
    java.util.List<Long> out = new java.util.ArrayList<>(v.size());
    for (JsonNode n : v) {
      out.add(idValue(n, field));
    }
    return out;
  }

  /** Parses an id from a path or query parameter or field; {@code invalid_argument} if bad. */
  public static long parseId(String s, String field) {
    if (s != null && !s.isEmpty() && s.length() <= 19) {
      try {
        long id = Long.parseLong(s);
        if (id > 0) {
          return id;
        }
      } catch (NumberFormatException ignored) {
        // fall through
      }
    }
    throw ApiException.invalid(field + " must be an id (a positive decimal string)");
  }
}
