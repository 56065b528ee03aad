package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.conversation.model.Conversation;
import io.parley.server.messaging.NewMessage;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.TestDatabases;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@link MediaStore} and the message→media references written by {@code MessageStore.append}, on
 * SQLite and PostgreSQL.
 */
class MediaStoreTest {
  private final AtomicLong ids = new AtomicLong(5000);

  @ParameterizedTest
  @ValueSource(strings = {"sqlite", "postgres"})
  void rowsBlobsAndReferences(String type) {
    try (TestDatabases.TestDb db = TestDatabases.of(type);
        Stores stores = db.open()) {
      MediaStore media = new MediaStore(stores.database());
      long alice = 11;
      long bob = 12;
      long eve = 13;
      String sha = "a".repeat(64);
      MediaRecord m1 =
          new MediaRecord(
              ids.incrementAndGet(), alice, sha, "media", "image/png", 10, null, 0, 0, 1);
      MediaRecord m2 =
          new MediaRecord(
              ids.incrementAndGet(), bob, sha, "document", "image/png", 10, "x.png", 0, 0, 2);
      MediaRecord thumb =
          new MediaRecord(
              ids.incrementAndGet(),
              alice,
              "b".repeat(64),
              "thumbnail",
              "image/jpeg",
              3,
              null,
              m1.id(),
              0,
              3);
      media.insert(m2);
      media.insertWithThumbnail(m1, thumb);
      assertThat(media.blobRefCount(sha)).isEqualTo(2);
      assertThat(media.blobRefCount("b".repeat(64))).isEqualTo(1);
      assertThat(media.find(m2.id())).contains(m2);
      assertThat(media.owner(m1.id())).isEqualTo(alice);
      assertThat(media.owner(thumb.id())).as("thumbnails cannot be put in messages").isZero();
      assertThat(media.owner(424242)).isZero();
      assertThat(media.count()).isEqualTo(3);

      Conversation c =
          stores.conversations().getOrCreateDirect(ids.incrementAndGet(), alice, bob, 5);
      long textId = ids.incrementAndGet();
      long mediaMsg = ids.incrementAndGet();
      long docMsg = ids.incrementAndGet();
      List<NewMessage> batch =
          List.of(
              new NewMessage(
                  textId, c.id(), alice, 1, "t", 6, "{\"kind\":\"text\",\"text\":\"hi\"}"),
              new NewMessage(
                  mediaMsg,
                  c.id(),
                  alice,
                  1,
                  "m",
                  7,
                  "{\"kind\":\"media\",\"media_id\":\"" + m1.id() + "\",\"caption\":\"c\"}"),
              new NewMessage(
                  docMsg,
                  c.id(),
                  bob,
                  2,
                  "d",
                  8,
                  "{\"kind\":\"document\",\"media_id\":\""
                      + m2.id()
                      + "\",\"file_name\":\"r.pdf\"}"));
      stores.messages().append(batch);
      // a repeat of the same sends records nothing twice
      stores.messages().append(batch);

      assertThat(media.references(m1.id()))
          .singleElement()
          .satisfies(
              r -> {
                assertThat(r[0]).isEqualTo(c.id());
                assertThat(r[1]).isEqualTo(mediaMsg);
              });
      assertThat(media.references(m2.id())).hasSize(1);
      assertThat(media.sharedWith(m1.id(), bob)).isTrue();
      assertThat(media.sharedWith(m1.id(), eve)).isFalse();
      assertThat(media.sharedFileName(m2.id(), alice)).contains("r.pdf");
      assertThat(media.sharedFileName(m1.id(), alice)).isEmpty();
      assertThat(media.sharedFileName(m2.id(), eve)).isEmpty();
    }
  }
}
