package io.parley.server.media;

import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;

/** SHA-256 helpers: a digest factory, hex encoding and a hashing, counting input stream. */
final class Sha256 {
  private Sha256() {}

  static MessageDigest digest() {
    try {
      return MessageDigest.getInstance("SHA-256");
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }

  static String hex(byte[] digest) {
    return HexFormat.of().formatHex(digest);
  }

  static String of(byte[] bytes) {
    return hex(digest().digest(bytes));
  }

  /**
   * Passes at most {@code limit} bytes through while hashing and counting them; reading past the
   * limit returns end of stream (so a too-long source is detected by {@link #verify}).
   */
  static final class HashingInput extends FilterInputStream {
    private final MessageDigest md = digest();
    private final long limit;
    private long count;

    HashingInput(InputStream in, long limit) {
      super(in);
      this.limit = limit;
    }

    @Override
    public int read() throws IOException {
      byte[] one = new byte[1];
      return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public int read(byte[] b, int off, int len) throws IOException {
      if (count >= limit) {
        return -1;
      }
      int n = in.read(b, off, (int) Math.min(len, limit - count));
      if (n > 0) {
        md.update(b, off, n);
        count += n;
      }
      return n;
    }

    @Override
    public long skip(long n) {
      return 0;
    }

    long count() {
      return count;
    }

    /**
     * Reads the source to its end (at most one byte beyond the limit) and checks the count and
     * digest; {@link IllegalArgumentException} on a mismatch.
     */
    void verify(String expectedSha256, long expectedSize) throws IOException {
      byte[] buf = new byte[8192];
      while (read(buf, 0, buf.length) > 0) {
        // drain up to the limit
      }
      if (count == limit && in.read() >= 0) {
        throw new IllegalArgumentException("more than " + expectedSize + " bytes");
      }
      if (count != expectedSize) {
        throw new IllegalArgumentException("expected " + expectedSize + " bytes, got " + count);
      }
      String actual = hex(md.digest());
      if (!actual.equals(expectedSha256)) {
        throw new IllegalArgumentException(
            "content hashes to " + actual + ", not " + expectedSha256);
      }
    }
  }
}
