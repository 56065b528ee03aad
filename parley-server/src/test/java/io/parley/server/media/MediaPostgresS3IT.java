package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.server.config.ParleyConfig;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.testsupport.TestDatabases;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Media in cluster configuration: PostgreSQL for the rows, a real S3-compatible server (S3Proxy in
 * a child JVM) for the blobs. Dedup, message references, member download with Range, 404 for a
 * stranger.
 */
class MediaPostgresS3IT {
  @TempDir Path dir;

  @Test
  void uploadShareAndDownloadOnPostgresAndS3() throws Exception {
    try (TestDatabases.TestDb db = TestDatabases.postgres();
        S3ProxyProcess s3 = S3ProxyProcess.start(dir)) {
      ParleyConfig.Store s = db.config();
      Map<String, String> o =
          Map.ofEntries(
              Map.entry("store.type", "postgres"),
              Map.entry("store.postgres_url", s.postgresUrl()),
              Map.entry("store.postgres_user", s.postgresUser()),
              Map.entry(
                  "store.postgres_password",
                  s.postgresPassword() == null ? "" : s.postgresPassword()),
              Map.entry("media.store", "s3"),
              Map.entry("media.s3_endpoint", s3.endpoint()),
              Map.entry(
                  "media.s3_bucket", "parley-it-" + UUID.randomUUID().toString().substring(0, 8)),
              Map.entry("media.s3_access_key", S3ProxyProcess.ACCESS_KEY),
              Map.entry("media.s3_secret_key", S3ProxyProcess.SECRET_KEY));
      try (TestNode node = TestNode.start(o)) {
        MediaHttp http = new MediaHttp(node.baseUrl());
        TestUser alice = node.user("alice");
        TestUser bob = node.user("bob");
        TestUser eve = node.user("eve");
        String at = alice.session().accessToken();
        byte[] jpeg = MediaHttp.image("jpeg", 400, 300, 77);
        JsonNode a = http.upload(at, "media", "image/jpeg", jpeg).json();
        JsonNode b = http.upload(bob.session().accessToken(), "media", "image/jpeg", jpeg).json();
        String sha = Sha256.of(jpeg);
        assertThat(a.path("sha256").asText()).isEqualTo(sha);
        assertThat(b.path("sha256").asText()).isEqualTo(sha);
        MediaService media = node.node().wiring().media().service();
        assertThat(media.store().blobRefCount(sha)).isEqualTo(2);
        assertThat(media.blobs()).isInstanceOf(S3BlobStore.class);
        try (Stream<Path> files = Files.walk(dir.resolve("s3data"))) {
          assertThat(files.filter(p -> p.getFileName().toString().equals(sha))).hasSize(1);
        }

        String id = a.path("media_id").asText();
        String conv = alice.http().createDirect(bob.id());
        assertThat(http.get("/v1/media/" + id, bob.session().accessToken()).status())
            .isEqualTo(404);
        alice.http().sendRest(conv, "m1", Bodies.media(id, "s3"));
        MediaHttp.Res r =
            http.get("/v1/media/" + id, bob.session().accessToken(), "Range", "bytes=100-199");
        assertThat(r.status()).isEqualTo(206);
        assertThat(r.body()).isEqualTo(Arrays.copyOfRange(jpeg, 100, 200));
        assertThat(http.get("/v1/media/" + id, bob.session().accessToken()).body()).isEqualTo(jpeg);
        assertThat(http.get("/v1/media/" + id + "/thumbnail", bob.session().accessToken()).status())
            .isEqualTo(200);
        assertThat(http.get("/v1/media/" + id, eve.session().accessToken()).status())
            .isEqualTo(404);
        assertThat(http.get(a.path("url").asText(), null).body()).isEqualTo(jpeg);
      }
    }
  }
}
