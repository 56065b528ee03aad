package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The {@link BlobStore} contract, run against every implementation. */
abstract class BlobStoreContract {
  @TempDir Path temp;

  /** The store under test (fresh or shared; keys are unique per test). */
  protected abstract BlobStore store();

  private static byte[] unique(int size) {
    byte[] b = new byte[size];
    new java.util.Random(UUID.randomUUID().getMostSignificantBits()).nextBytes(b);
    return b;
  }

  @Test
  void putThenGetSizeExists() throws IOException {
    byte[] data = unique(100_000);
    String key = Sha256.of(data);
    assertThat(store().exists(key)).isFalse();
    assertThat(store().size(key)).isEqualTo(-1);
    store().put(key, data.length, new ByteArrayInputStream(data));
    assertThat(store().exists(key)).isTrue();
    assertThat(store().size(key)).isEqualTo(data.length);
    try (InputStream in = store().get(key, 0, data.length)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void rangesReturnExactlyTheRequestedBytes() throws IOException {
    byte[] data = unique(10_000);
    String key = Sha256.of(data);
    store().put(key, data.length, new ByteArrayInputStream(data));
    try (InputStream in = store().get(key, 1234, 100)) {
      assertThat(in.readAllBytes()).isEqualTo(Arrays.copyOfRange(data, 1234, 1334));
    }
    try (InputStream in = store().get(key, data.length - 1, 1)) {
      assertThat(in.readAllBytes()).containsExactly(data[data.length - 1]);
    }
    try (InputStream in = store().get(key, 5, 0)) {
      assertThat(in.readAllBytes()).isEmpty();
    }
    assertThatThrownBy(() -> store().get(key, data.length - 5, 10))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void aWrongDigestOrSizeStoresNothing() throws IOException {
    byte[] data = unique(5000);
    String key = Sha256.of(data);
    String otherKey = Sha256.of("something else".getBytes(StandardCharsets.UTF_8));
    assertThatThrownBy(() -> store().put(otherKey, data.length, new ByteArrayInputStream(data)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store().exists(otherKey)).isFalse();
    // shorter than declared
    assertThatThrownBy(() -> store().put(key, data.length + 10, new ByteArrayInputStream(data)))
        .isInstanceOf(IllegalArgumentException.class);
    // longer than declared
    byte[] longer = Arrays.copyOf(data, data.length + 1);
    assertThatThrownBy(() -> store().put(key, data.length, new ByteArrayInputStream(longer)))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(store().exists(key)).isFalse();
  }

  @Test
  void missingBlobs() throws IOException {
    String key = Sha256.of(unique(10));
    assertThatThrownBy(() -> store().get(key, 0, 1)).isInstanceOf(NoSuchFileException.class);
    assertThat(store().delete(key)).isFalse();
    assertThatThrownBy(() -> store().size("../../etc/passwd"))
        .isInstanceOf(IllegalArgumentException.class);
  }

  @Test
  void deleteRemovesAndPutAgainIsHarmless() throws IOException {
    byte[] data = unique(3000);
    String key = Sha256.of(data);
    store().put(key, data.length, new ByteArrayInputStream(data));
    store().put(key, data.length, new ByteArrayInputStream(data));
    assertThat(store().size(key)).isEqualTo(data.length);
    assertThat(store().delete(key)).isTrue();
    assertThat(store().exists(key)).isFalse();
    assertThat(store().delete(key)).isFalse();
  }

  @Test
  void putFileStoresTheFileContent() throws IOException {
    byte[] data = unique(70_000);
    Path f = Files.write(temp.resolve("f.bin"), data);
    String key = Sha256.of(data);
    store().putFile(key, f);
    try (InputStream in = store().get(key, 0, data.length)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  @Test
  void largeBlobsStreamWithoutBeingHeldInMemory() throws Exception {
    long size = 24L * 1024 * 1024 + 7;
    long seed = UUID.randomUUID().getLeastSignificantBits();
    MessageDigest md = Sha256.digest();
    try (InputStream in = generated(size, seed)) {
      byte[] buf = new byte[65536];
      int n;
      while ((n = in.read(buf)) > 0) {
        md.update(buf, 0, n);
      }
    }
    String key = Sha256.hex(md.digest());
    store().put(key, size, generated(size, seed));
    assertThat(store().size(key)).isEqualTo(size);
    MessageDigest back = Sha256.digest();
    try (InputStream in = store().get(key, 0, size)) {
      byte[] buf = new byte[65536];
      int n;
      while ((n = in.read(buf)) > 0) {
        back.update(buf, 0, n);
      }
    }
    assertThat(Sha256.hex(back.digest())).isEqualTo(key);
  }

  @Test
  void concurrentPutsOfOneKeyLeaveOneCompleteBlob() throws Exception {
    byte[] data = unique(200_000);
    String key = Sha256.of(data);
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      List<Future<Object>> fs =
          pool.invokeAll(
              java.util.Collections.nCopies(
                  4,
                  () -> {
                    store().put(key, data.length, new ByteArrayInputStream(data));
                    return null;
                  }));
      for (Future<Object> f : fs) {
        f.get();
      }
    } finally {
      pool.shutdown();
    }
    try (InputStream in = store().get(key, 0, data.length)) {
      assertThat(in.readAllBytes()).isEqualTo(data);
    }
  }

  private static InputStream generated(long size, long seed) {
    return MediaHttp.generated(size, seed);
  }
}
