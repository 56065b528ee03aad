package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.messaging.NewMessage;
import io.parley.server.retention.RetentionListener.PurgedMessage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Media cleanup after retention (F15) on a real node: the retention listener drops the references
 * of purged messages; a cycle collects unreferenced media only past the grace period, deleting the
 * blob file; media still referenced by another message are kept.
 */
class MediaRetentionIT {
  private static final long HOUR = 3_600_000L;
  static TestNode node;
  static MediaHttp http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new MediaHttp(node.baseUrl());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static boolean blobFileExists(String sha) throws Exception {
    try (Stream<Path> files = Files.walk(node.dataDir())) {
      return files.anyMatch(p -> p.getFileName().toString().contains(sha));
    }
  }

  @Test
  void purgedMessageMediaIsCollectedAfterGraceAndReferencedMediaKept() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String token = alice.session().accessToken();
    byte[] oldJpeg = MediaHttp.image("jpeg", 200, 100, 41);
    byte[] keptJpeg = MediaHttp.image("jpeg", 200, 100, 42);
    JsonNode oldUp = http.upload(token, "media", "image/jpeg", oldJpeg).json();
    JsonNode keptUp = http.upload(token, "media", "image/jpeg", keptJpeg).json();
    String oldId = oldUp.path("media_id").asText();
    String keptId = keptUp.path("media_id").asText();
    String sha = Sha256.of(oldJpeg);
    String group = alice.http().createGroup("photos", List.of(bob.id())).conversationId();
    String oldMsg =
        alice
            .http()
            .sendRest(group, UUID.randomUUID().toString(), Bodies.media(oldId, "old"))
            .messageId();
    alice.http().sendRest(group, UUID.randomUUID().toString(), Bodies.media(keptId, "new"));
    assertThat(http.get("/v1/media/" + oldId, bob.session().accessToken()).status()).isEqualTo(200);
    assertThat(blobFileExists(sha)).isTrue();

    MediaRetention retention = node.node().wiring().media().retention();
    // what the retention job reports after deleting the old message
    retention.purged(
        Long.parseLong(group), List.of(new PurgedMessage(Long.parseLong(oldMsg), 1, "{}")));
    MediaStore store = node.node().wiring().media().service().store();
    assertThat(store.references(Long.parseLong(oldId))).isEmpty();

    // within the grace period (24 h): kept
    retention.cycleFinished(System.currentTimeMillis());
    assertThat(store.find(Long.parseLong(oldId))).isPresent();
    assertThat(http.get("/v1/media/" + oldId, token).status()).isEqualTo(200);

    // past the grace period: collected with its thumbnail and blob; the referenced one kept
    retention.cycleFinished(System.currentTimeMillis() + 25 * HOUR);
    assertThat(store.find(Long.parseLong(oldId))).isEmpty();
    assertThat(store.find(oldUp.path("thumbnail_id").asLong())).isEmpty();
    assertThat(store.blobRefCount(sha)).isZero();
    assertThat(blobFileExists(sha)).isFalse();
    assertThat(http.get("/v1/media/" + oldId, token).status()).isEqualTo(404);
    assertThat(http.get("/v1/media/" + keptId, bob.session().accessToken()).status())
        .isEqualTo(200);
    assertThat(blobFileExists(Sha256.of(keptJpeg))).isTrue();
  }

  @Test
  void retentionJobPurgeCollectsTheMediaOfExpiredMessages() throws Exception {
    try (TestNode n =
        TestNode.start(
            Map.of(
                "retention.days", "7",
                "retention.interval_ms", "0",
                "media.orphan_grace_hours", "0"))) {
      MediaHttp h = new MediaHttp(n.baseUrl());
      TestUser alice = n.user("alice");
      byte[] jpeg = MediaHttp.image("jpeg", 120, 90, 43);
      String sha = Sha256.of(jpeg);
      String id =
          h.upload(alice.session().accessToken(), "media", "image/jpeg", jpeg)
              .json()
              .path("media_id")
              .asText();
      long groupId = 8_100_000_000L + System.nanoTime() % 1_000_000;
      long aliceId = Long.parseLong(alice.id());
      long old = System.currentTimeMillis() - 10 * 24 * HOUR;
      n.node().wiring().stores().conversations().createGroup(groupId, "g", aliceId, List.of(), old);
      n.node()
          .wiring()
          .stores()
          .messages()
          .append(
              List.of(
                  new NewMessage(
                      9_100_000_000L,
                      groupId,
                      aliceId,
                      Long.parseLong(alice.session().deviceId()),
                      "old-media",
                      old,
                      Json.write(Bodies.media(id, "old")))));
      MediaStore store = n.node().wiring().media().service().store();
      assertThat(store.references(Long.parseLong(id))).hasSize(1);
      assertThat(n.node().wiring().retention().job().runOnce()).isEqualTo(1);
      assertThat(store.references(Long.parseLong(id))).isEmpty();
      assertThat(store.find(Long.parseLong(id))).isEmpty();
      assertThat(store.blobRefCount(sha)).isZero();
      try (Stream<Path> files = Files.walk(n.dataDir())) {
        assertThat(files.anyMatch(p -> p.getFileName().toString().contains(sha))).isFalse();
      }
      assertThat(h.get("/v1/media/" + id, alice.session().accessToken()).status()).isEqualTo(404);
    }
  }
}
