package io.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Content-addressed storage of media bytes: a blob's key is the lowercase hex SHA-256 of its bytes,
 * so the same content is stored once. Implementations are thread-safe.
 *
 * <p>Contract (checked by {@code BlobStoreContract} against every implementation):
 *
 * <ul>
 *   <li>{@link #put} streams exactly {@code size} bytes from the stream and stores them under
 *       {@code sha256} only if the bytes really hash to it and their count is {@code size};
 *       otherwise it throws {@link IllegalArgumentException} and stores nothing. A blob is visible
 *       to readers only once complete (no partial blob is ever readable). Putting an existing key
 *       again is harmless.
 *   <li>{@link #get} streams {@code length} bytes from {@code offset} (a range); the caller closes
 *       the stream. A missing key throws {@link java.nio.file.NoSuchFileException}.
 *   <li>{@link #size} is the blob's byte count, or -1 when missing; {@link #exists} is {@code size
 *       >= 0}.
 *   <li>{@link #delete} removes the blob; deleting a missing key is a no-op returning false.
 * </ul>
 */
public interface BlobStore extends AutoCloseable {

  /** Stores {@code size} bytes read from {@code in} under their SHA-256 {@code sha256}. */
  void put(String sha256, long size, InputStream in) throws IOException;

  /**
   * Stores the content of a local file under its {@code sha256}; the file is left in place or
   * consumed (moved) by the store. Default: streams it through {@link #put}.
   */
  default void putFile(String sha256, Path file) throws IOException {
    try (InputStream in = Files.newInputStream(file)) {
      put(sha256, Files.size(file), in);
    }
  }

  /** {@code length} bytes of the blob from {@code offset}; the caller closes the stream. */
  InputStream get(String sha256, long offset, long length) throws IOException;

  /** The blob's size in bytes, or -1 if it does not exist. */
  long size(String sha256) throws IOException;

  default boolean exists(String sha256) throws IOException {
    return size(sha256) >= 0;
  }

  /** Removes a blob; false if there was none. */
  boolean delete(String sha256) throws IOException;

  /** A short description for logs ("filesystem /data/media", "s3 http://...:9000/bucket"). */
  String describe();

  @Override
  default void close() {}

  /** Checks that a key is a lowercase hex SHA-256 (64 chars); guards paths and object keys. */
  static String checkKey(String sha256) {
    if (sha256 == null || sha256.length() != 64) {
      throw new IllegalArgumentException("not a sha256 key: " + sha256);
    }
    for (int i = 0; i < 64; i++) {
      char c = sha256.charAt(i);
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) {
        throw new IllegalArgumentException("not a sha256 key: " + sha256);
      }
    }
    return sha256;
  }
}
