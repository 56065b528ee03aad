package io.parley.server.auth;

import com.auth0.jwt.JWT;
import com.auth0.jwt.JWTVerifier;
import com.auth0.jwt.algorithms.Algorithm;
import com.auth0.jwt.exceptions.JWTVerificationException;
import com.auth0.jwt.interfaces.DecodedJWT;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Principal;
import io.parley.server.config.ParleyConfig;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.GeneralSecurityException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.Base64;
import java.util.Optional;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Issues and verifies tokens of one device login.
 *
 * <p>Access tokens are HS256 JWTs ({@code sub} = user id, {@code did} = device id, both decimal
 * strings; {@code iat}, {@code exp}, {@code jti}) valid for {@code auth.access_token_ttl_seconds}.
 * The HMAC secret is {@code auth.jwt_secret} (base64, ≥ 32 bytes) or, when empty, a random key
 * generated on first start and kept in {@code <data_dir>/jwt.key} (mode 600); all nodes of a
 * cluster must share it. {@link #authenticate} also rejects tokens of revoked devices: device state
 * is cached for at most {@value #DEVICE_CACHE_MILLIS} ms, and revocations through this instance
 * take effect immediately.
 *
 * <p>Refresh tokens are opaque (32 bytes, base64url: random at login, derived from their
 * predecessor on rotation); only their SHA-256 is stored. Each is single use; replaying a consumed
 * one revokes the whole device (see {@link #refresh} for the grace window of racing clients).
 * Methods that touch the store block: call them off the event loop.
 */
public final class TokenService implements Authenticator {
  private static final Logger log = LoggerFactory.getLogger(TokenService.class);
  static final String KEY_FILE = "jwt.key";
  static final long DEVICE_CACHE_MILLIS = 5_000;
  private static final int MIN_SECRET_BYTES = 32;
  private static final int MAX_CACHE_ENTRIES = 100_000;
  private static final int MAX_TOKEN_CHARS = 4096;

  /** Tokens handed to a client after login or refresh. */
  public record Tokens(
      String accessToken, String refreshToken, long expiresIn, long userId, long deviceId) {}

  private final UserStore users;
  private final Clock clock;
  private final long accessTtlSeconds;
  private final long refreshTtlMillis;
  private final long refreshGraceMillis;
  private final SecretKeySpec successorKey;
  private volatile RevocationListener revocationListener = (userId, deviceId) -> {};
  private final Algorithm algorithm;
  private final JWTVerifier verifier;
  private final SecureRandom random = new SecureRandom();
  // deviceId -> System.nanoTime() deadline until which the device is known to be active
  private final ConcurrentHashMap<Long, Long> activeDevices = new ConcurrentHashMap<>();
  // bumped on every revocation, so a lookup racing with a revocation is not cached
  private final AtomicLong revocations = new AtomicLong();

  /**
   * @param auth the {@code auth} settings (secret, TTLs)
   * @param dataDir {@code store.data_dir}, where {@code jwt.key} lives when no secret is configured
   * @param users the user store (devices, refresh tokens)
   * @param clock time source for issuing and expiring tokens
   */
  public TokenService(ParleyConfig.Auth auth, Path dataDir, UserStore users, Clock clock) {
    this(
        loadSecret(auth.jwtSecret(), dataDir),
        auth.accessTokenTtlSeconds(),
        auth.refreshTokenTtlSeconds(),
        auth.refreshReuseGraceSeconds(),
        users,
        clock);
  }

  /** With an explicit HMAC secret (≥ 32 bytes) and the default 10 s refresh grace. */
  public TokenService(
      byte[] secret, long accessTtlSeconds, long refreshTtlSeconds, UserStore users, Clock clock) {
    this(secret, accessTtlSeconds, refreshTtlSeconds, 10, users, clock);
  }

  /** With an explicit HMAC secret (≥ 32 bytes). */
  public TokenService(
      byte[] secret,
      long accessTtlSeconds,
      long refreshTtlSeconds,
      long refreshGraceSeconds,
      UserStore users,
      Clock clock) {
    if (secret.length < MIN_SECRET_BYTES) {
      throw new IllegalArgumentException("JWT secret must have at least 32 bytes");
    }
    if (accessTtlSeconds <= 0 || refreshTtlSeconds <= 0) {
      throw new IllegalArgumentException("token TTLs must be positive");
    }
    if (refreshGraceSeconds < 0) {
      throw new IllegalArgumentException("refresh_reuse_grace_seconds must not be negative");
    }
    this.refreshGraceMillis = TimeUnit.SECONDS.toMillis(refreshGraceSeconds);
    this.successorKey = successorKey(secret);
    this.users = users;
    this.clock = clock;
    this.accessTtlSeconds = accessTtlSeconds;
    this.refreshTtlMillis = TimeUnit.SECONDS.toMillis(refreshTtlSeconds);
    this.algorithm = Algorithm.HMAC256(secret.clone());
    this.verifier =
        ((JWTVerifier.BaseVerification)
                JWT.require(algorithm)
                    .withClaimPresence("sub")
                    .withClaimPresence("did")
                    .withClaimPresence("exp")
                    .withClaimPresence("iat")
                    .withClaimPresence("jti"))
            .build(clock);
  }

  /**
   * The configured secret (base64) if non-empty, else the key in {@code dataDir/jwt.key}, created
   * with 32 random bytes and mode 600 if missing.
   */
  public static byte[] loadSecret(String configuredBase64, Path dataDir) {
    if (configuredBase64 != null && !configuredBase64.isBlank()) {
      byte[] s = decodeSecret(configuredBase64.trim(), "auth.jwt_secret");
      return s;
    }
    Path file = dataDir.resolve(KEY_FILE);
    try {
      if (Files.exists(file)) {
        return decodeSecret(
            Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
      }
      Files.createDirectories(dataDir);
      byte[] secret = new byte[MIN_SECRET_BYTES];
      new SecureRandom().nextBytes(secret);
      Path tmp = dataDir.resolve(KEY_FILE + ".tmp-" + ProcessHandle.current().pid());
      Files.deleteIfExists(tmp);
      try {
        Files.createFile(
            tmp,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (UnsupportedOperationException e) {
        Files.createFile(tmp); // non-POSIX file system
      }
      Files.writeString(tmp, Base64.getEncoder().encodeToString(secret) + "\n");
      try {
        // A hard link fails if another process created the key meanwhile: then use theirs.
        Files.createLink(file, tmp);
        Files.delete(tmp);
      } catch (FileAlreadyExistsException e) {
        Files.delete(tmp);
        return decodeSecret(
            Files.readString(file, StandardCharsets.US_ASCII).trim(), file.toString());
      } catch (UnsupportedOperationException | IOException e) {
        try {
          Files.move(tmp, file, StandardCopyOption.ATOMIC_MOVE);
        } catch (AtomicMoveNotSupportedException ex) {
          Files.move(tmp, file);
        }
      }
      log.info("generated a new JWT signing key in {}", file);
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create " + file, e);
    }
  }

  private static byte[] decodeSecret(String b64, String source) {
    byte[] s;
    try {
      s = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException(source + " is not valid base64", e);
    }
    if (s.length < MIN_SECRET_BYTES) {
      throw new IllegalStateException(source + " must hold at least 32 bytes");
    }
    return s;
  }

  /** Access-token lifetime in seconds (the {@code expires_in} of API.md). */
  public long accessTtlSeconds() {
    return accessTtlSeconds;
  }

  /** A signed access token for the device. Does not touch the store. */
  public String accessToken(long userId, long deviceId) {
    Instant now = clock.instant();
    byte[] jti = new byte[12];
    random.nextBytes(jti);
    return JWT.create()
        .withSubject(Long.toString(userId))
        .withClaim("did", Long.toString(deviceId))
        .withIssuedAt(now)
        .withExpiresAt(now.plusSeconds(accessTtlSeconds))
        .withJWTId(Base64.getUrlEncoder().withoutPadding().encodeToString(jti))
        .sign(algorithm);
  }

  /** Issues an access token and a new stored refresh token for a freshly created device. */
  public Tokens issue(long userId, long deviceId) {
    String refresh = newRefreshToken();
    users.storeRefreshToken(hashRefreshToken(refresh), deviceId, clock.millis() + refreshTtlMillis);
    markActive(deviceId);
    return new Tokens(accessToken(userId, deviceId), refresh, accessTtlSeconds, userId, deviceId);
  }

  /** Sets who hears of revoked devices (the gateway closes their connections). */
  public void setRevocationListener(RevocationListener listener) {
    this.revocationListener = listener;
  }

  /**
   * Exchanges a refresh token for a new pair; the old one stops working. A replayed (already used)
   * token revokes its device, except within the grace window: a token used again at most {@code
   * auth.refresh_reuse_grace_seconds} after its rotation, while its successor is still unused, gets
   * that same successor back with a fresh access token (two tabs or a retried request racing with
   * one token). The successor of a token is derived from it with a key of the server (HMAC), so the
   * repeat can return it although only hashes are stored; an older token, or a reuse after the
   * window, still revokes the device.
   *
   * @throws ApiException {@code unauthorized} for unknown, expired, reused or revoked tokens
   */
  public Tokens refresh(String refreshToken) {
    if (refreshToken == null || refreshToken.isEmpty() || refreshToken.length() > 256) {
      throw ApiException.unauthorized("invalid refresh token");
    }
    String next = successor(refreshToken);
    long now = clock.millis();
    UserStore.RotateResult r =
        users.rotateRefreshToken(
            hashRefreshToken(refreshToken),
            hashRefreshToken(next),
            now + refreshTtlMillis,
            now,
            refreshGraceMillis);
    switch (r.outcome()) {
      case ROTATED, REPEATED -> {
        Device d = r.device();
        return new Tokens(
            accessToken(d.userId(), d.id()), next, accessTtlSeconds, d.userId(), d.id());
      }
      case REUSED -> {
        Device d = r.device();
        revocations.incrementAndGet();
        activeDevices.remove(d.id());
        log.warn("refresh token reuse detected; device {} revoked", d.id());
        revocationListener.deviceRevoked(d.userId(), d.id());
        throw ApiException.unauthorized("refresh token reused; device revoked");
      }
      default -> throw ApiException.unauthorized("invalid refresh token");
    }
  }

  /**
   * Revokes the device: its refresh tokens are deleted, its access tokens stop working and the
   * {@link RevocationListener} hears of it (its connections are closed).
   */
  public void revokeDevice(long userId, long deviceId) {
    revocations.incrementAndGet();
    activeDevices.remove(deviceId);
    users.revokeDevice(deviceId, clock.millis());
    revocations.incrementAndGet();
    activeDevices.remove(deviceId);
    revocationListener.deviceRevoked(userId, deviceId);
  }

  @Override
  public Principal authenticate(String accessToken) {
    if (accessToken == null || accessToken.isEmpty() || accessToken.length() > MAX_TOKEN_CHARS) {
      throw ApiException.unauthorized("invalid access token");
    }
    DecodedJWT jwt;
    try {
      jwt = verifier.verify(accessToken);
    } catch (JWTVerificationException e) {
      throw ApiException.unauthorized(
          e instanceof com.auth0.jwt.exceptions.TokenExpiredException
              ? "access token expired"
              : "invalid access token");
    }
    long userId = parsePositive(jwt.getSubject());
    long deviceId = parsePositive(jwt.getClaim("did").asString());
    if (userId <= 0 || deviceId <= 0) {
      throw ApiException.unauthorized("invalid access token");
    }
    if (!deviceActive(userId, deviceId)) {
      throw ApiException.unauthorized("device revoked");
    }
    return new Principal(userId, deviceId);
  }

  private boolean deviceActive(long userId, long deviceId) {
    Long until = activeDevices.get(deviceId);
    if (until != null && until - System.nanoTime() > 0) {
      return true;
    }
    long generation = revocations.get();
    Optional<Device> d = users.findDevice(deviceId);
    if (d.isEmpty() || !d.get().active() || d.get().userId() != userId) {
      activeDevices.remove(deviceId);
      return false;
    }
    markActive(deviceId);
    if (revocations.get() != generation) {
      activeDevices.remove(deviceId); // a revocation raced with this lookup: do not cache
    }
    return true;
  }

  private void markActive(long deviceId) {
    if (activeDevices.size() >= MAX_CACHE_ENTRIES) {
      activeDevices.clear();
    }
    activeDevices.put(
        deviceId, System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(DEVICE_CACHE_MILLIS));
  }

  private static long parsePositive(String s) {
    if (s == null || s.isEmpty() || s.length() > 19) {
      return -1;
    }
    try {
      return Long.parseLong(s);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  /** The refresh token that rotation of {@code token} issues: HMAC-SHA256 under a server key. */
  private String successor(String token) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(successorKey);
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString(mac.doFinal(token.getBytes(StandardCharsets.UTF_8)));
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  /** A key for {@link #successor}, derived from the JWT secret (so all nodes agree on it). */
  private static SecretKeySpec successorKey(byte[] secret) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] k = mac.doFinal("parley refresh token successor v1".getBytes(StandardCharsets.UTF_8));
      return new SecretKeySpec(k, "HmacSHA256");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  private String newRefreshToken() {
    byte[] b = new byte[32];
    random.nextBytes(b);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(b);
  }

  /** The SHA-256 (base64url) of a refresh token, as stored. */
  static String hashRefreshToken(String token) {
    try {
      byte[] h =
          MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(h);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
