package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class FilesystemBlobStoreTest extends BlobStoreContract {
  @TempDir Path root;
  private FilesystemBlobStore store;

  @BeforeEach
  void open() {
    store = new FilesystemBlobStore(root);
  }

  @Override
  protected BlobStore store() {
    return store;
  }

  @Test
  void blobsAreShardedAndNoTempFileRemains() throws Exception {
    byte[] data = "sharded content".getBytes(StandardCharsets.UTF_8);
    String key = Sha256.of(data);
    store.put(key, data.length, new ByteArrayInputStream(data));
    assertThat(root.resolve(key.substring(0, 2)).resolve(key.substring(2, 4)).resolve(key))
        .hasBinaryContent(data);
    try (Stream<Path> tmp = Files.list(store.tmpDir())) {
      assertThat(tmp).isEmpty();
    }
  }

  @Test
  void aTempFileInTheStoreIsMovedNotCopied() throws Exception {
    byte[] data = "moved content".getBytes(StandardCharsets.UTF_8);
    Path f = Files.write(store.tmpDir().resolve("upload.part"), data);
    store.putFile(Sha256.of(data), f);
    assertThat(f).doesNotExist();
    assertThat(store.path(Sha256.of(data))).hasBinaryContent(data);
  }
}
