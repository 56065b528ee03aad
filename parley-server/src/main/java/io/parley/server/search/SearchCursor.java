package io.parley.server.search;

import io.parley.server.api.ApiException;
import java.nio.charset.StandardCharsets;
import java.util.Base64;

/**
 * The position after a hit: its score and message id (the sort key). Opaque to clients: encoded as
 * base64url of {@code s1.<score bits hex>.<message id>}, so the exact double round-trips.
 */
public record SearchCursor(double score, long messageId) {
  private static final String VERSION = "s1";

  public String encode() {
    String raw = VERSION + "." + Long.toHexString(Double.doubleToLongBits(score)) + "." + messageId;
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(raw.getBytes(StandardCharsets.UTF_8));
  }

  /** Parses a cursor from {@link #encode}; anything else is {@code invalid_argument}. */
  public static SearchCursor decode(String s) {
    try {
      String raw = new String(Base64.getUrlDecoder().decode(s), StandardCharsets.UTF_8);
      String[] parts = raw.split("\\.", -1);
      if (parts.length != 3 || !VERSION.equals(parts[0])) {
        throw ApiException.invalid("cursor is invalid");
      }
      double score = Double.longBitsToDouble(Long.parseUnsignedLong(parts[1], 16));
      if (Double.isNaN(score)) {
        throw ApiException.invalid("cursor is invalid");
      }
      return new SearchCursor(score, Long.parseLong(parts[2]));
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid("cursor is invalid");
    }
  }
}
