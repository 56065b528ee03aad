package io.parley.server.search;

import io.parley.server.api.ApiException;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A user's query as plain terms: runs of letters, digits and combining marks; everything else
 * separates terms and is dropped, so no user input ever reaches the backends' query syntax
 * unquoted. The last term is a prefix when the query does not end with a separator (the user is
 * still typing it).
 */
public record SearchTerms(List<String> terms, boolean lastIsPrefix) {
  public static final int MAX_QUERY_CHARS = 256;
  public static final int MAX_TERMS = 16;
  private static final Pattern TERM = Pattern.compile("[\\p{L}\\p{N}\\p{M}]+");

  public SearchTerms {
    terms = List.copyOf(terms);
    if (terms.isEmpty()) {
      throw new IllegalArgumentException("no terms");
    }
  }

  /** Parses {@code q}; {@code invalid_argument} if it is too long or has no term. */
  public static SearchTerms parse(String q) {
    if (q == null || q.isBlank()) {
      throw ApiException.invalid("q is required");
    }
    if (q.length() > MAX_QUERY_CHARS) {
      throw ApiException.invalid("q exceeds " + MAX_QUERY_CHARS + " characters");
    }
    List<String> terms = new ArrayList<>();
    Matcher m = TERM.matcher(q);
    int end = 0;
    while (m.find()) {
      if (terms.size() == MAX_TERMS) {
        throw ApiException.invalid("q has more than " + MAX_TERMS + " words");
      }
      terms.add(m.group());
      end = m.end();
    }
    if (terms.isEmpty()) {
      throw ApiException.invalid("q must contain a letter or digit");
    }
    return new SearchTerms(terms, end == q.length());
  }

  /** FTS5 syntax: every term a quoted string, implicit AND, {@code *} after a prefix term. */
  public String fts5() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < terms.size(); i++) {
      if (i > 0) {
        sb.append(' ');
      }
      sb.append('"').append(terms.get(i).replace("\"", "\"\"")).append('"');
      if (lastIsPrefix && i == terms.size() - 1) {
        sb.append('*');
      }
    }
    return sb.toString();
  }

  /** {@code to_tsquery} syntax: quoted terms joined by {@code &}, {@code :*} after a prefix. */
  public String tsquery() {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < terms.size(); i++) {
      if (i > 0) {
        sb.append(" & ");
      }
      sb.append('\'').append(terms.get(i).replace("'", "''").replace("\\", "\\\\")).append('\'');
      if (lastIsPrefix && i == terms.size() - 1) {
        sb.append(":*");
      }
    }
    return sb.toString();
  }
}
