package io.parley.server.media;

/** Parses a single HTTP byte range ({@code bytes=a-b}, {@code bytes=a-}, {@code bytes=-n}). */
final class Ranges {
  /** Marker for a syntactically valid range that lies outside the content (416). */
  static final long[] UNSATISFIABLE = new long[0];

  private Ranges() {}

  /**
   * The inclusive {@code [first, last]} of a Range header over {@code size} bytes; null for no
   * header, a malformed one or several ranges (then the whole content is served, as RFC 9110
   * allows); {@link #UNSATISFIABLE} if it lies outside the content.
   */
  static long[] parse(String header, long size) {
    if (header == null) {
      return null;
    }
    String h = header.strip();
    if (!h.regionMatches(true, 0, "bytes=", 0, 6) || h.indexOf(',') >= 0) {
      return null;
    }
    String spec = h.substring(6).strip();
    int dash = spec.indexOf('-');
    if (dash < 0) {
      return null;
    }
    try {
      String a = spec.substring(0, dash).strip();
      String b = spec.substring(dash + 1).strip();
      if (a.isEmpty()) {
        if (b.isEmpty()) {
          return null;
        }
        long n = Long.parseLong(b);
        if (n <= 0 || size == 0) {
          return UNSATISFIABLE;
        }
        return new long[] {Math.max(0, size - n), size - 1};
      }
      long first = Long.parseLong(a);
      long last = b.isEmpty() ? size - 1 : Long.parseLong(b);
      if (first < 0 || (!b.isEmpty() && last < first)) {
        return null;
      }
      if (first >= size) {
        return UNSATISFIABLE;
      }
      return new long[] {first, Math.min(last, size - 1)};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
