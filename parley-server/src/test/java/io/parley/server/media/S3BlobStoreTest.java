package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.awssdk.services.s3.model.S3Exception;

/** The BlobStore contract against a real S3-compatible server (S3Proxy in a child JVM). */
class S3BlobStoreTest extends BlobStoreContract {
  static Path dir;
  static S3ProxyProcess s3;
  static S3BlobStore store;

  @BeforeAll
  static void startS3() throws Exception {
    dir = Files.createTempDirectory("parley-s3-");
    s3 = S3ProxyProcess.start(dir);
    store = open("parley-" + UUID.randomUUID().toString().substring(0, 8));
  }

  static S3BlobStore open(String bucket) {
    return new S3BlobStore(
        s3.endpoint(),
        "us-east-1",
        bucket,
        S3ProxyProcess.ACCESS_KEY,
        S3ProxyProcess.SECRET_KEY,
        "blobs/",
        dir.resolve("spool-" + bucket));
  }

  @AfterAll
  static void stopS3() throws Exception {
    if (store != null) {
      store.close();
    }
    if (s3 != null) {
      s3.close();
    }
    try (var files = Files.walk(dir)) {
      files.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    }
  }

  @Override
  protected BlobStore store() {
    return store;
  }

  @Test
  void objectsLandInTheBucketUnderThePrefix() throws Exception {
    byte[] data = ("s3 " + UUID.randomUUID()).getBytes(StandardCharsets.UTF_8);
    String key = Sha256.of(data);
    store.put(key, data.length, new ByteArrayInputStream(data));
    // jclouds' filesystem backend keeps objects as files: the bytes really went to the server
    try (var files = Files.walk(dir.resolve("s3data"))) {
      assertThat(files.filter(p -> p.getFileName().toString().equals(key)))
          .singleElement()
          .satisfies(p -> assertThat(p).hasBinaryContent(data));
    }
    assertThat(store.describe()).contains(s3.endpoint()).contains("blobs/");
  }

  @Test
  void aWrongSecretIsRefusedByTheServer() {
    assertThatThrownBy(
            () ->
                new S3BlobStore(
                    s3.endpoint(),
                    "us-east-1",
                    "parley-wrong",
                    S3ProxyProcess.ACCESS_KEY,
                    "not-the-secret",
                    "",
                    dir.resolve("spool-wrong")))
        .isInstanceOfSatisfying(S3Exception.class, e -> assertThat(e.statusCode()).isEqualTo(403));
  }
}
