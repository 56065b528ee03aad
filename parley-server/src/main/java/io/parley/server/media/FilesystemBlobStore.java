package io.parley.server.media;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.channels.Channels;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * {@link BlobStore} on the local file system: blob {@code abcdef...} lives in {@code
 * <root>/ab/cd/abcdef...}. Writes go to a temp file under {@code <root>/tmp}, are fsynced and then
 * atomically renamed into place, so a reader never sees a partial blob.
 */
public final class FilesystemBlobStore implements BlobStore {
  private final Path root;
  private final Path tmp;

  public FilesystemBlobStore(Path root) {
    this.root = root.toAbsolutePath().normalize();
    this.tmp = this.root.resolve("tmp");
    try {
      Files.createDirectories(tmp);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create " + tmp, e);
    }
  }

  /** The directory temp files are written in (same file system as the blobs). */
  public Path tmpDir() {
    return tmp;
  }

  /** The file of a blob (which may not exist). */
  public Path path(String sha256) {
    BlobStore.checkKey(sha256);
    return root.resolve(sha256.substring(0, 2)).resolve(sha256.substring(2, 4)).resolve(sha256);
  }

  @Override
  public void put(String sha256, long size, InputStream in) throws IOException {
    Path target = path(sha256);
    Path t = Files.createTempFile(tmp, "put-", ".part");
    try {
      Sha256.HashingInput h = new Sha256.HashingInput(in, size);
      try (OutputStream out = Files.newOutputStream(t, StandardOpenOption.WRITE)) {
        h.transferTo(out);
      }
      h.verify(sha256, size);
      install(t, target);
    } finally {
      Files.deleteIfExists(t);
    }
  }

  /**
   * Moves a complete file (already hashed by the caller) into place; with a file on another file
   * system, falls back to a verified copy.
   */
  @Override
  public void putFile(String sha256, Path file) throws IOException {
    Path target = path(sha256);
    if (Files.exists(target)) {
      return;
    }
    if (file.toAbsolutePath().startsWith(tmp)) {
      install(file, target);
    } else {
      BlobStore.super.putFile(sha256, file);
    }
  }

  private static void install(Path complete, Path target) throws IOException {
    try (var ch = java.nio.channels.FileChannel.open(complete, StandardOpenOption.WRITE)) {
      ch.force(true);
    }
    Files.createDirectories(target.getParent());
    try {
      Files.move(complete, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AtomicMoveNotSupportedException e) {
      Files.move(complete, target, StandardCopyOption.REPLACE_EXISTING);
    }
  }

  @Override
  public InputStream get(String sha256, long offset, long length) throws IOException {
    Path p = path(sha256);
    SeekableByteChannel ch = Files.newByteChannel(p, StandardOpenOption.READ);
    try {
      if (offset < 0 || length < 0 || offset + length > ch.size()) {
        throw new IllegalArgumentException("range outside the blob");
      }
      ch.position(offset);
    } catch (RuntimeException | IOException e) {
      ch.close();
      throw e;
    }
    return new BoundedInput(Channels.newInputStream(ch), length);
  }

  @Override
  public long size(String sha256) throws IOException {
    try {
      return Files.size(path(sha256));
    } catch (NoSuchFileException e) {
      return -1;
    }
  }

  @Override
  public boolean delete(String sha256) throws IOException {
    return Files.deleteIfExists(path(sha256));
  }

  @Override
  public String describe() {
    return "filesystem " + root;
  }

  /** Reads at most {@code remaining} bytes. */
  static final class BoundedInput extends java.io.FilterInputStream {
    private long remaining;

    BoundedInput(InputStream in, long remaining) {
      super(in);
      this.remaining = remaining;
    }

    @Override
    public int read() throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int b = in.read();
      if (b >= 0) {
        remaining--;
      }
      return b;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (remaining <= 0) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, remaining));
      if (n > 0) {
        remaining -= n;
      }
      return n;
    }
  }
}
