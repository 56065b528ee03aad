package io.parley.server.search;

/**
 * Full-text search over stored messages, one implementation per store backend ({@link
 * SqliteSearchIndex}, {@link PostgresSearchIndex}); both pass {@code SearchIndexContract}.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li><b>What is indexed</b>: the text of {@code text} bodies, the caption of {@code media}
 *       bodies and the file name of {@code document} bodies, and removed with the message. A search
 *       sees every message stored before it started: PostgreSQL indexes in the transaction that
 *       stores the message (a trigger); SQLite queues it there and indexes the queue into a file of
 *       its own, in the background and before each search ({@link SqliteSearchQueue}). {@code
 *       encrypted} and {@code system} bodies are never indexed.
 *   <li><b>Visibility</b>: only messages of conversations {@code userId} is currently a member of,
 *       checked by the query itself at query time.
 *   <li><b>Matching</b>: every term must occur (AND); the last term also matches as a prefix when
 *       {@link SearchTerms#lastIsPrefix()}; case and diacritics are folded on both sides. Terms are
 *       never interpreted as query operators.
 *   <li><b>Order and paging</b>: best match first, ties by ascending message id; {@code after}
 *       resumes strictly after a hit of the previous page (keyset, so a page never repeats a hit of
 *       an earlier one while the index is unchanged). At most {@code limit} hits are returned, and
 *       {@link SearchPage#more()} tells whether more follow.
 *   <li><b>Snippets</b>: each hit carries an excerpt of its text with the matched terms wrapped in
 *       {@link Snippets#START} and {@link Snippets#STOP}.
 * </ul>
 */
public interface SearchIndex {

  /** The hits of {@code terms} visible to {@code userId}, optionally in one conversation. */
  SearchPage search(
      long userId, SearchTerms terms, Long conversationId, SearchCursor after, int limit);
}
