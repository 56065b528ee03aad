package io.parley.server.http;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectReader;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Strict parsing of client JSON (REST bodies and WebSocket frames): one JSON value and nothing
 * after it, no duplicate keys. Errors carry a short human message with the position ("duplicate
 * field 'seq' at line 1, column 20"), never parser internals (class names, source dumps).
 */
public final class StrictJson {
  private static final ObjectReader READER =
      Json.MAPPER
          .reader()
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
          .with(JsonParser.Feature.STRICT_DUPLICATE_DETECTION);
  private static final Pattern DUPLICATE = Pattern.compile("Duplicate field '(.{0,64})'");
  private static final Pattern UNEXPECTED_CHAR = Pattern.compile("Unexpected character \\('(.)'");
  private static final Pattern TOKEN = Pattern.compile("Unrecognized token '([^']{0,32})");
  private static final int MAX_ECHO = 32;

  private StrictJson() {}

  /**
   * Parses {@code text}.
   *
   * @param code the error code to raise ({@code invalid_argument} for REST, {@code bad_frame} for
   *     frames)
   * @throws ApiException with {@code code} and a precise message when it is not strict JSON
   */
  public static JsonNode parse(String text, ErrorCode code) {
    try {
      return READER.readTree(text);
    } catch (JsonProcessingException e) {
      throw new ApiException(code, describe(e));
    }
  }

  /** As {@link #parse(String, ErrorCode)}, for UTF-8 bytes. */
  public static JsonNode parse(byte[] utf8, ErrorCode code) {
    try {
      return READER.readTree(utf8);
    } catch (JsonProcessingException e) {
      throw new ApiException(code, describe(e));
    } catch (IOException e) {
      throw new ApiException(code, "unreadable JSON");
    }
  }

  /** A human description of a parse failure, without parser internals. */
  static String describe(JsonProcessingException e) {
    String m = e.getOriginalMessage() == null ? "" : e.getOriginalMessage();
    String what;
    Matcher dup = DUPLICATE.matcher(m);
    Matcher ch = UNEXPECTED_CHAR.matcher(m);
    Matcher tok = TOKEN.matcher(m);
    if (dup.find()) {
      what = "duplicate field '" + clip(dup.group(1)) + "'";
    } else if (m.startsWith("Trailing token")) {
      what = "unexpected content after the JSON value";
    } else if (m.contains("end-of-input")) {
      what = "the JSON ends unexpectedly";
    } else if (m.contains("CTRL-CHAR")) {
      what = "unescaped control character in a string";
    } else if (m.contains("UTF-8") || m.contains("UTF8")) {
      what = "invalid UTF-8";
    } else if (m.contains("numeric value") || m.contains("Numeric value")) {
      what = "invalid number";
    } else if (ch.find()) {
      what = "unexpected character '" + ch.group(1) + "'";
    } else if (tok.find()) {
      what = "unrecognized token '" + clip(tok.group(1)) + "'";
    } else {
      what = "not valid JSON";
    }
    JsonLocation loc = e.getLocation();
    if (loc != null && loc.getLineNr() > 0 && loc.getColumnNr() > 0) {
      what += " at line " + loc.getLineNr() + ", column " + loc.getColumnNr();
    }
    return "malformed JSON: " + what;
  }

  private static String clip(String s) {
    return s.length() > MAX_ECHO ? s.substring(0, MAX_ECHO) + "..." : s;
  }
}
