package io.parley.server.auth;

import io.parley.server.config.ParleyConfig;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Base64;
import org.bouncycastle.crypto.generators.Argon2BytesGenerator;
import org.bouncycastle.crypto.params.Argon2Parameters;

/**
 * Argon2id password hashing (Bouncy Castle) in the PHC string format {@code
 * $argon2id$v=19$m=<KiB>,t=<iterations>,p=<parallelism>$<salt>$<hash>} (base64 without padding).
 *
 * <p>{@link #hash} uses the configured parameters and a random 16-byte salt; {@link #verify} uses
 * the parameters stored in the hash, so changing the configuration never breaks old hashes.
 * Thread-safe. Both calls are CPU- and memory-heavy: never call them on an event loop.
 */
public final class PasswordHasher {
  private static final int SALT_BYTES = 16;
  private static final int HASH_BYTES = 32;
  // Bounds applied to hashes read back, so a corrupt stored hash cannot exhaust the node.
  private static final int MAX_MEMORY_KIB = 4 * 1024 * 1024;
  private static final int MAX_ITERATIONS = 64;
  private static final int MAX_PARALLELISM = 64;

  private static final Base64.Encoder B64 = Base64.getEncoder().withoutPadding();
  private static final Base64.Decoder B64D = Base64.getDecoder();

  private final int memoryKib;
  private final int iterations;
  private final int parallelism;
  private final SecureRandom random = new SecureRandom();

  /**
   * @param memoryKib Argon2 memory cost in KiB (at least 8 × parallelism)
   * @param iterations Argon2 time cost (≥ 1)
   * @param parallelism Argon2 lanes (≥ 1)
   */
  public PasswordHasher(int memoryKib, int iterations, int parallelism) {
    if (parallelism < 1 || parallelism > MAX_PARALLELISM) {
      throw new IllegalArgumentException("argon2 parallelism out of range: " + parallelism);
    }
    if (iterations < 1 || iterations > MAX_ITERATIONS) {
      throw new IllegalArgumentException("argon2 iterations out of range: " + iterations);
    }
    if (memoryKib < 8 * parallelism || memoryKib > MAX_MEMORY_KIB) {
      throw new IllegalArgumentException("argon2 memory out of range: " + memoryKib + " KiB");
    }
    this.memoryKib = memoryKib;
    this.iterations = iterations;
    this.parallelism = parallelism;
  }

  /** A hasher with the {@code auth.argon2_*} settings. */
  public PasswordHasher(ParleyConfig.Auth auth) {
    this(auth.argon2MemoryKib(), auth.argon2Iterations(), auth.argon2Parallelism());
  }

  /** Hashes {@code password} with a fresh random salt; returns the PHC string. */
  public String hash(String password) {
    byte[] salt = new byte[SALT_BYTES];
    random.nextBytes(salt);
    byte[] out = derive(password, salt, memoryKib, iterations, parallelism, HASH_BYTES);
    return "$argon2id$v=19$m="
        + memoryKib
        + ",t="
        + iterations
        + ",p="
        + parallelism
        + "$"
        + B64.encodeToString(salt)
        + "$"
        + B64.encodeToString(out);
  }

  /**
   * True if {@code password} matches {@code encoded}; false for a wrong password or a hash that is
   * malformed, not Argon2id v19, or has out-of-range parameters. Compares in constant time.
   */
  public boolean verify(String password, String encoded) {
    if (password == null || encoded == null) {
      return false;
    }
    // "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
    String[] parts = encoded.split("\\$", -1);
    if (parts.length != 6 || !parts[0].isEmpty() || !"argon2id".equals(parts[1])) {
      return false;
    }
    if (!"v=19".equals(parts[2])) {
      return false;
    }
    int m = -1;
    int t = -1;
    int p = -1;
    for (String kv : parts[3].split(",", -1)) {
      int eq = kv.indexOf('=');
      if (eq <= 0) {
        return false;
      }
      int value;
      try {
        value = Integer.parseInt(kv.substring(eq + 1));
      } catch (NumberFormatException e) {
        return false;
      }
      switch (kv.substring(0, eq)) {
        case "m" -> m = value;
        case "t" -> t = value;
        case "p" -> p = value;
        default -> {
          return false;
        }
      }
    }
    if (p < 1 || p > MAX_PARALLELISM || t < 1 || t > MAX_ITERATIONS) {
      return false;
    }
    if (m < 8 * p || m > MAX_MEMORY_KIB) {
      return false;
    }
    byte[] salt;
    byte[] expected;
    try {
      salt = B64D.decode(parts[4]);
      expected = B64D.decode(parts[5]);
    } catch (IllegalArgumentException e) {
      return false;
    }
    if (salt.length < 8 || expected.length < 16 || expected.length > 128) {
      return false;
    }
    byte[] actual = derive(password, salt, m, t, p, expected.length);
    return MessageDigest.isEqual(expected, actual);
  }

  private static byte[] derive(
      String password, byte[] salt, int memoryKib, int iterations, int parallelism, int len) {
    Argon2Parameters params =
        new Argon2Parameters.Builder(Argon2Parameters.ARGON2_id)
            .withVersion(Argon2Parameters.ARGON2_VERSION_13)
            .withMemoryAsKB(memoryKib)
            .withIterations(iterations)
            .withParallelism(parallelism)
            .withSalt(salt)
            .build();
    Argon2BytesGenerator gen = new Argon2BytesGenerator();
    gen.init(params);
    byte[] out = new byte[len];
    gen.generateBytes(password.getBytes(StandardCharsets.UTF_8), out);
    return out;
  }
}
