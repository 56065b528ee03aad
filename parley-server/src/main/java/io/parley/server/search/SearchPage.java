package io.parley.server.search;

import io.parley.server.messaging.StoredMessage;
import java.util.List;

/** One page of search hits, best first; {@code more} when further hits follow. */
public record SearchPage(List<Hit> hits, boolean more) {

  /**
   * A matching message. {@code score} orders hits (lower is better, backend-specific scale); {@code
   * snippet} is raw text with {@link Snippets#START}/{@link Snippets#STOP} around matched terms.
   */
  public record Hit(StoredMessage message, double score, String snippet) {
    /** The cursor that resumes after this hit. */
    public SearchCursor cursor() {
      return new SearchCursor(score, message.messageId());
    }
  }
}
