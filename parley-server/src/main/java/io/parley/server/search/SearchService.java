package io.parley.server.search;

import io.parley.server.api.ApiException;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.messaging.MessageJson;

/**
 * {@code GET /v1/search}: validates the request, authorizes a conversation filter like history does
 * ({@code not_found} / {@code forbidden}), and renders a page of hits.
 */
public final class SearchService {
  public static final int DEFAULT_LIMIT = 20;
  public static final int MAX_LIMIT = 100;

  private final SearchIndex index;
  private final ConversationStore conversations;

  public SearchService(SearchIndex index, ConversationStore conversations) {
    this.index = index;
    this.conversations = conversations;
  }

  /**
   * The JSON response {@code {results: [{message, conversation_id, seq, snippet, rank}],
   * next_cursor}}; {@code next_cursor} is null on the last page. {@code snippet} is HTML: text
   * escaped, matches in {@code <mark>}. {@code rank} is higher for better matches.
   */
  public String search(long userId, String q, Long conversationId, Integer limit, String cursor) {
    SearchTerms terms = SearchTerms.parse(q);
    int n = limit == null ? DEFAULT_LIMIT : limit;
    if (n < 1 || n > MAX_LIMIT) {
      throw ApiException.invalid("limit must be between 1 and " + MAX_LIMIT);
    }
    SearchCursor after = cursor == null || cursor.isEmpty() ? null : SearchCursor.decode(cursor);
    if (conversationId != null && conversations.member(conversationId, userId).isEmpty()) {
      if (conversations.find(conversationId).isEmpty()) {
        throw ApiException.notFound("no such conversation");
      }
      throw ApiException.forbidden("not a member of this conversation");
    }
    SearchPage page = index.search(userId, terms, conversationId, after, n);
    StringBuilder sb = new StringBuilder(256 * page.hits().size() + 32).append("{\"results\":[");
    for (int i = 0; i < page.hits().size(); i++) {
      SearchPage.Hit h = page.hits().get(i);
      if (i > 0) {
        sb.append(',');
      }
      sb.append("{\"message\":");
      MessageJson.object(sb, h.message());
      sb.append(",\"conversation_id\":\"")
          .append(h.message().conversationId())
          .append("\",\"seq\":")
          .append(h.message().seq())
          .append(",\"snippet\":");
      MessageJson.quote(sb, Snippets.html(h.snippet()));
      sb.append(",\"rank\":").append(-h.score()).append('}');
    }
    sb.append("],\"next_cursor\":");
    if (page.more()) {
      sb.append('"').append(page.hits().getLast().cursor().encode()).append('"');
    } else {
      sb.append("null");
    }
    return sb.append('}').toString();
  }
}
