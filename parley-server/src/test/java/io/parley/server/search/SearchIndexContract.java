package io.parley.server.search;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.protocol.Json;
import io.parley.server.messaging.NewMessage;
import io.parley.server.messaging.StoredMessage;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.sql.PreparedStatement;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link SearchIndex} contract, run against every backend by its subclasses. */
abstract class SearchIndexContract {
  private static final long NOW = 1_700_000_000_000L;
  private static final long ALICE = 1;
  private static final long BOB = 2;
  private static final long CAROL = 3;
  private static final long AB = 500; // alice + bob
  private static final long ABC = 501; // alice, bob, carol
  private static final long BC = 502; // bob + carol

  private final AtomicLong ids = new AtomicLong(10_000);
  private TestDb testDb;
  private Stores stores;
  private SearchIndex index;

  protected abstract TestDb newDatabase();

  @BeforeEach
  void open() {
    testDb = newDatabase();
    stores = testDb.open();
    index = SearchWiring.index(stores.database());
    stores.conversations().createGroup(AB, "ab", ALICE, List.of(BOB), NOW);
    stores.conversations().createGroup(ABC, "abc", ALICE, List.of(BOB, CAROL), NOW);
    stores.conversations().createGroup(BC, "bc", BOB, List.of(CAROL), NOW);
  }

  @AfterEach
  void close() {
    try {
      stores.close();
    } finally {
      testDb.close();
    }
  }

  @Test
  void indexesTextCaptionsAndFileNamesButNeverEncryptedOrSystemBodies() {
    StoredMessage text = send(AB, ALICE, text("the quarterly report is ready"));
    StoredMessage media =
        send(AB, ALICE, "{\"kind\":\"media\",\"media_id\":\"7\",\"caption\":\"quarterly photo\"}");
    StoredMessage doc =
        send(
            AB,
            BOB,
            "{\"kind\":\"document\",\"media_id\":\"8\",\"file_name\":\"quarterly-numbers.pdf\"}");
    send(AB, BOB, "{\"kind\":\"media\",\"media_id\":\"9\"}");
    send(AB, BOB, "{\"kind\":\"encrypted\",\"ciphertext\":\"cXVhcnRlcmx5\"}");
    send(AB, BOB, "{\"kind\":\"system\",\"event\":\"quarterly\",\"text\":\"quarterly\"}");
    assertThat(ids(search(ALICE, "quarterly", null)))
        .containsExactlyInAnyOrder(text.messageId(), media.messageId(), doc.messageId());
    assertThat(search(ALICE, "cXVhcnRlcmx5", null).hits()).isEmpty();
  }

  @Test
  void onlyConversationsTheUserIsACurrentMemberOf() {
    StoredMessage ab = send(AB, ALICE, text("secret plan"));
    StoredMessage abc = send(ABC, BOB, text("secret party"));
    StoredMessage bc = send(BC, CAROL, text("secret gift for alice"));
    assertThat(ids(search(ALICE, "secret", null)))
        .containsExactlyInAnyOrder(ab.messageId(), abc.messageId());
    assertThat(ids(search(CAROL, "secret", null)))
        .containsExactlyInAnyOrder(abc.messageId(), bc.messageId());
    assertThat(search(99, "secret", null).hits()).isEmpty();
    stores.conversations().removeMember(ABC, CAROL);
    assertThat(ids(search(CAROL, "secret", null))).containsExactly(bc.messageId());
    assertThat(search(CAROL, "secret", ABC).hits()).isEmpty();
  }

  @Test
  void filtersByConversation() {
    StoredMessage ab = send(AB, ALICE, text("lunch today?"));
    StoredMessage abc = send(ABC, ALICE, text("lunch with everyone"));
    assertThat(ids(search(BOB, "lunch", AB))).containsExactly(ab.messageId());
    assertThat(ids(search(BOB, "lunch", ABC))).containsExactly(abc.messageId());
    assertThat(ids(search(BOB, "lunch", null))).hasSize(2);
  }

  @Test
  void foldsCaseAndAccents() {
    StoredMessage cafe = send(AB, ALICE, text("Rendez-vous au Café Crème"));
    StoredMessage resume = send(AB, BOB, text("my RÉSUMÉ is attached"));
    assertThat(ids(search(ALICE, "cafe creme ", null))).containsExactly(cafe.messageId());
    assertThat(ids(search(ALICE, "CAFÉ ", null))).containsExactly(cafe.messageId());
    assertThat(ids(search(ALICE, "résumé ", null))).containsExactly(resume.messageId());
    assertThat(ids(search(ALICE, "resume ", null))).containsExactly(resume.messageId());
  }

  @Test
  void theLastWordMatchesAsAPrefixWhileTyping() {
    StoredMessage hello = send(AB, ALICE, text("hello world"));
    send(AB, ALICE, text("help wanted"));
    assertThat(ids(search(ALICE, "hel", null))).hasSize(2);
    assertThat(ids(search(ALICE, "hell", null))).containsExactly(hello.messageId());
    assertThat(ids(search(ALICE, "wor", null))).containsExactly(hello.messageId());
    assertThat(search(ALICE, "wor ", null).hits()).as("a finished word is not a prefix").isEmpty();
    assertThat(search(ALICE, "hel world", null).hits())
        .as("only the last word is a prefix")
        .isEmpty();
  }

  @Test
  void everyWordMustMatch() {
    StoredMessage both = send(AB, ALICE, text("red apples and green pears"));
    send(AB, ALICE, text("red cars"));
    assertThat(ids(search(ALICE, "red pears", null))).containsExactly(both.messageId());
  }

  @Test
  void queryOperatorsInUserInputAreJustWords() {
    StoredMessage m = send(AB, ALICE, text("text: hello OR NEAR goodbye and not AND"));
    send(AB, ALICE, text("hello alone"));
    for (String q :
        List.of(
            "\"hello\" OR near",
            "text:hello goodbye",
            "hello AND NOT",
            "hello & goodbye | !not",
            "hello' -- goodbye",
            "NEAR(hello goodbye)",
            "(hello) * goodbye^ {and}")) {
      assertThat(ids(search(ALICE, q, null))).as(q).containsExactly(m.messageId());
    }
    assertThat(search(ALICE, "c" + AB, null).hits())
        .as("index-internal conversation tokens are not words")
        .isEmpty();
    for (String q : List.of("hello \"unbalanced", "col:* -xyz", "zz\"", "zz*", "zz'", "\\zz")) {
      assertThat(search(ALICE, q, null).hits()).as(q).isEmpty();
    }
  }

  @Test
  void ranksBetterMatchesFirstWithSnippets() {
    StoredMessage weak =
        send(AB, ALICE, text("one mention of pizza among many many other words here"));
    StoredMessage strong = send(AB, BOB, text("pizza pizza pizza"));
    SearchPage page = search(ALICE, "pizza", null);
    assertThat(ids(page)).containsExactly(strong.messageId(), weak.messageId());
    assertThat(page.hits().get(0).score()).isLessThan(page.hits().get(1).score());
    String snippet = page.hits().get(1).snippet();
    assertThat(snippet).contains(Snippets.START + "pizza" + Snippets.STOP);
    assertThat(Snippets.html(snippet)).contains("<mark>pizza</mark>");
  }

  @Test
  void snippetsAreSafeHtml() {
    send(AB, ALICE, text("<script>alert('x')</script> & pizza"));
    String html = Snippets.html(search(ALICE, "pizza", null).hits().getFirst().snippet());
    assertThat(html).doesNotContain("<script>").contains("&amp; <mark>pizza</mark>");
  }

  @Test
  void pagesWithACursorVisitEveryHitOnceInOrder() {
    Set<Long> expected = new HashSet<>();
    for (int i = 0; i < 25; i++) {
      String t = "coffee " + "coffee ".repeat(i % 4) + "filler ".repeat(i % 5) + i;
      expected.add(send(i % 2 == 0 ? AB : ABC, i % 2 == 0 ? ALICE : BOB, text(t)).messageId());
    }
    send(AB, ALICE, text("tea only"));
    List<SearchPage.Hit> all = new ArrayList<>();
    SearchCursor cursor = null;
    int pages = 0;
    while (true) {
      SearchPage page = index.search(ALICE, SearchTerms.parse("coffee"), null, cursor, 10);
      all.addAll(page.hits());
      pages++;
      if (!page.more()) {
        break;
      }
      cursor = SearchCursor.decode(page.hits().getLast().cursor().encode());
    }
    assertThat(pages).isEqualTo(3);
    assertThat(all).extracting(h -> h.message().messageId()).doesNotHaveDuplicates();
    assertThat(new HashSet<>(all.stream().map(h -> h.message().messageId()).toList()))
        .isEqualTo(expected);
    for (int i = 1; i < all.size(); i++) {
      SearchPage.Hit a = all.get(i - 1);
      SearchPage.Hit b = all.get(i);
      assertThat(
              a.score() < b.score()
                  || (a.score() == b.score() && a.message().messageId() < b.message().messageId()))
          .as("sorted at %d", i)
          .isTrue();
    }
  }

  @Test
  void deletedMessagesLeaveTheIndex() {
    StoredMessage gone = send(AB, ALICE, text("ephemeral words"));
    StoredMessage kept = send(AB, ALICE, text("ephemeral but kept"));
    delete(AB, gone.seq());
    assertThat(ids(search(ALICE, "ephemeral", null))).containsExactly(kept.messageId());
  }

  @Test
  void messagesDeletedAfterASearchIndexedThemLeaveTheIndex() {
    StoredMessage gone = send(AB, ALICE, text("fleeting words"));
    StoredMessage kept = send(AB, ALICE, text("fleeting but kept"));
    assertThat(ids(search(ALICE, "fleeting", null)))
        .containsExactlyInAnyOrder(gone.messageId(), kept.messageId());
    delete(AB, gone.seq());
    assertThat(ids(search(ALICE, "fleeting", null))).containsExactly(kept.messageId());
  }

  @Test
  void returnsTheStoredMessage() {
    StoredMessage m = send(ABC, CAROL, text("exactly this message"));
    assertThat(search(ALICE, "exactly", null).hits().getFirst().message()).isEqualTo(m);
  }

  /** Deletes a stored message as retention does (a plain DELETE). */
  private void delete(long conversation, long seq) {
    stores
        .database()
        .write(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement(
                      "DELETE FROM messages WHERE conversation_id = ? AND seq = ?")) {
                ps.setLong(1, conversation);
                ps.setLong(2, seq);
                return ps.executeUpdate();
              }
            });
  }

  private SearchPage search(long user, String q, Long conversation) {
    return index.search(user, SearchTerms.parse(q), conversation, null, 50);
  }

  private static List<Long> ids(SearchPage page) {
    return page.hits().stream().map(h -> h.message().messageId()).toList();
  }

  private static String text(String t) {
    return Json.write(Map.of("kind", "text", "text", t));
  }

  private StoredMessage send(long conversation, long sender, String body) {
    long id = ids.incrementAndGet();
    return stores
        .messages()
        .append(List.of(new NewMessage(id, conversation, sender, sender * 10, "c" + id, NOW, body)))
        .getFirst()
        .message();
  }
}
