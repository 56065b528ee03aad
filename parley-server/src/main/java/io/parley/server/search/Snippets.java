package io.parley.server.search;

/**
 * Highlight markers. The backends wrap matched terms in {@link #START}/{@link #STOP} (private-use
 * characters); {@link #html} turns such a snippet into safe HTML: everything escaped, markers
 * replaced by {@code <mark>}/{@code </mark>}.
 */
public final class Snippets {
  public static final String START = "\uE000";
  public static final String STOP = "\uE001";

  private Snippets() {}

  public static String html(String raw) {
    if (raw == null) {
      return "";
    }
    StringBuilder sb = new StringBuilder(raw.length() + 16);
    for (int i = 0; i < raw.length(); i++) {
      char ch = raw.charAt(i);
      switch (ch) {
        case '\uE000' -> sb.append("<mark>");
        case '\uE001' -> sb.append("</mark>");
        case '<' -> sb.append("&lt;");
        case '>' -> sb.append("&gt;");
        case '&' -> sb.append("&amp;");
        case '"' -> sb.append("&quot;");
        case '\'' -> sb.append("&#39;");
        default -> sb.append(ch);
      }
    }
    return sb.toString();
  }
}
