package io.parley.server.auth;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.api.Principal;
import io.parley.server.config.ParleyConfig;
import io.parley.server.testsupport.ManualClock;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class TokenServiceTest {
  private static final ParleyConfig.Auth AUTH =
      new ParleyConfig.Auth("", 900, 3600, 1024, 1, 1, 3, 32, 8);

  @TempDir Path dataDir;
  private final ManualClock clock = new ManualClock(Instant.parse("2030-01-01T00:00:00Z"));
  private final InMemoryUserStore store = new InMemoryUserStore();
  private final AtomicLong ids = new AtomicLong(1000);

  private Device newDevice() {
    long uid = ids.incrementAndGet();
    store.createUser(uid, "user" + uid, "User", "x", clock.millis());
    return store.createDevice(ids.incrementAndGet(), uid, "phone", clock.millis());
  }

  private static void assertUnauthorized(ThrowingCallable call) {
    assertThatThrownBy(call)
        .isInstanceOfSatisfying(
            ApiException.class, e -> assertThat(e.code()).isEqualTo(ErrorCode.UNAUTHORIZED));
  }

  @Test
  void generatedKeyIsPersistedWithMode600AndReusedAcrossInstances() throws Exception {
    Path sub = dataDir.resolve("nested");
    TokenService first = new TokenService(AUTH, sub, store, clock);
    Path key = sub.resolve("jwt.key");
    assertThat(key).exists();
    assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(key)))
        .isEqualTo("rw-------");
    byte[] secret =
        Base64.getDecoder().decode(Files.readString(key, StandardCharsets.US_ASCII).trim());
    assertThat(secret.length).isGreaterThanOrEqualTo(32);
    assertThat(sub).isDirectoryNotContaining("glob:**.tmp-*");

    Device d = newDevice();
    String token = first.accessToken(d.userId(), d.id());
    TokenService second = new TokenService(AUTH, sub, store, clock); // a restart
    assertThat(second.authenticate(token)).isEqualTo(new Principal(d.userId(), d.id()));
    assertThat(TokenService.loadSecret("", sub)).isEqualTo(secret);
    assertThat(Files.readString(key).trim()).isEqualTo(Base64.getEncoder().encodeToString(secret));
  }

  @Test
  void configuredSecretIsUsedAndNoKeyFileWritten() {
    byte[] secret = new byte[40];
    for (int i = 0; i < secret.length; i++) {
      secret[i] = (byte) i;
    }
    String b64 = Base64.getEncoder().encodeToString(secret);
    ParleyConfig.Auth withSecret = new ParleyConfig.Auth(b64, 900, 3600, 1024, 1, 1, 3, 32, 8);
    TokenService a = new TokenService(withSecret, dataDir, store, clock);
    assertThat(dataDir.resolve("jwt.key")).doesNotExist();
    Device d = newDevice();
    TokenService b = new TokenService(secret, 900, 3600, store, clock);
    assertThat(b.authenticate(a.accessToken(d.userId(), d.id())).deviceId()).isEqualTo(d.id());

    String shortSecret = Base64.getEncoder().encodeToString(new byte[16]);
    assertThatThrownBy(() -> TokenService.loadSecret(shortSecret, dataDir))
        .isInstanceOf(IllegalStateException.class);
    assertThatThrownBy(() -> TokenService.loadSecret("not base64!!", dataDir))
        .isInstanceOf(IllegalStateException.class);
  }

  @Test
  void accessTokenCarriesTheClaims() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    Device d = newDevice();
    var jwt = JWT.decode(tokens.accessToken(d.userId(), d.id()));
    assertThat(jwt.getAlgorithm()).isEqualTo("HS256");
    assertThat(jwt.getSubject()).isEqualTo(Long.toString(d.userId()));
    assertThat(jwt.getClaim("did").asString()).isEqualTo(Long.toString(d.id()));
    assertThat(jwt.getIssuedAtAsInstant()).isEqualTo(clock.instant());
    assertThat(jwt.getExpiresAtAsInstant()).isEqualTo(clock.instant().plusSeconds(900));
    assertThat(jwt.getId()).isNotBlank();
  }

  @Test
  void expiredTokenIsRejected() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    Device d = newDevice();
    String token = tokens.accessToken(d.userId(), d.id());
    clock.advance(Duration.ofSeconds(899));
    assertThat(tokens.authenticate(token).userId()).isEqualTo(d.userId());
    clock.advance(Duration.ofSeconds(2));
    assertUnauthorized(() -> tokens.authenticate(token));
  }

  @Test
  void tamperedForeignAndMalformedTokensAreRejected() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    Device d = newDevice();
    Device other = newDevice();
    String token = tokens.accessToken(d.userId(), d.id());
    String[] parts = token.split("\\.");

    // payload swapped for another user's, signature kept
    String otherPayload = tokens.accessToken(other.userId(), other.id()).split("\\.")[1];
    assertUnauthorized(() -> tokens.authenticate(parts[0] + "." + otherPayload + "." + parts[2]));
    // flipped signature character
    char c = parts[2].charAt(5);
    String badSig = parts[2].substring(0, 5) + (c == 'A' ? 'B' : 'A') + parts[2].substring(6);
    assertUnauthorized(() -> tokens.authenticate(parts[0] + "." + parts[1] + "." + badSig));
    // signed with another key
    String foreign =
        JWT.create()
            .withSubject(Long.toString(d.userId()))
            .withClaim("did", Long.toString(d.id()))
            .withIssuedAt(clock.instant())
            .withExpiresAt(clock.instant().plusSeconds(60))
            .withJWTId("x")
            .sign(Algorithm.HMAC256(new byte[32]));
    assertUnauthorized(() -> tokens.authenticate(foreign));
    // alg=none
    String none =
        JWT.create()
            .withSubject(Long.toString(d.userId()))
            .withClaim("did", Long.toString(d.id()))
            .withIssuedAt(clock.instant())
            .withExpiresAt(clock.instant().plusSeconds(60))
            .withJWTId("x")
            .sign(Algorithm.none());
    assertUnauthorized(() -> tokens.authenticate(none));
    assertUnauthorized(() -> tokens.authenticate("garbage"));
    assertUnauthorized(() -> tokens.authenticate(""));
    assertUnauthorized(() -> tokens.authenticate("a.b.c"));
  }

  @Test
  void tokenOfAnotherUsersDeviceIsRejected() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    Device d = newDevice();
    Device other = newDevice();
    assertUnauthorized(() -> tokens.authenticate(tokens.accessToken(d.userId(), other.id())));
    assertUnauthorized(() -> tokens.authenticate(tokens.accessToken(d.userId(), 424242L)));
  }

  @Test
  void revocationTakesEffectImmediatelyDespiteTheCache() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    Device d = newDevice();
    TokenService.Tokens t = tokens.issue(d.userId(), d.id());
    assertThat(tokens.authenticate(t.accessToken()).deviceId()).isEqualTo(d.id()); // now cached
    tokens.revokeDevice(d.userId(), d.id());
    assertUnauthorized(() -> tokens.authenticate(t.accessToken()));
    assertUnauthorized(() -> tokens.refresh(t.refreshToken()));
    assertThat(store.findDevice(d.id()).orElseThrow().active()).isFalse();
  }

  @Test
  void refreshRotatesAndReuseRevokesTheDevice() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    Device d = newDevice();
    TokenService.Tokens first = tokens.issue(d.userId(), d.id());
    TokenService.Tokens second = tokens.refresh(first.refreshToken());
    assertThat(second.refreshToken()).isNotEqualTo(first.refreshToken());
    assertThat(second.deviceId()).isEqualTo(d.id());
    assertThat(second.userId()).isEqualTo(d.userId());
    assertThat(tokens.authenticate(second.accessToken()).deviceId()).isEqualTo(d.id());

    clock.advance(Duration.ofSeconds(11)); // past the 10 s grace window
    assertUnauthorized(() -> tokens.refresh(first.refreshToken())); // replay
    assertThat(store.findDevice(d.id()).orElseThrow().active()).isFalse();
    assertUnauthorized(() -> tokens.refresh(second.refreshToken()));
    assertUnauthorized(() -> tokens.authenticate(second.accessToken()));
  }

  @Test
  void repeatWithinGraceGetsTheSameSuccessorAndRevocationIsHeard() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    List<long[]> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
    tokens.setRevocationListener((u, dev) -> heard.add(new long[] {u, dev}));
    Device d = newDevice();
    TokenService.Tokens first = tokens.issue(d.userId(), d.id());
    TokenService.Tokens second = tokens.refresh(first.refreshToken());
    clock.advance(Duration.ofSeconds(9));
    TokenService.Tokens again = tokens.refresh(first.refreshToken()); // the other tab
    assertThat(again.refreshToken()).isEqualTo(second.refreshToken());
    assertThat(tokens.authenticate(again.accessToken()).deviceId()).isEqualTo(d.id());
    assertThat(store.findDevice(d.id()).orElseThrow().active()).isTrue();
    assertThat(heard).isEmpty();

    // the successor moves on: now the first token is an older one, and its use a replay
    TokenService.Tokens third = tokens.refresh(second.refreshToken());
    assertThat(third.refreshToken()).isNotEqualTo(second.refreshToken());
    assertUnauthorized(() -> tokens.refresh(first.refreshToken()));
    assertThat(store.findDevice(d.id()).orElseThrow().active()).isFalse();
    assertThat(heard).hasSize(1);
    assertThat(heard.get(0)).containsExactly(d.userId(), d.id());
    assertUnauthorized(() -> tokens.refresh(third.refreshToken()));
  }

  @Test
  void expiredRefreshTokenIsRejected() {
    TokenService tokens = new TokenService(AUTH, dataDir, store, clock);
    Device d = newDevice();
    TokenService.Tokens t = tokens.issue(d.userId(), d.id());
    clock.advance(Duration.ofSeconds(3601));
    assertUnauthorized(() -> tokens.refresh(t.refreshToken()));
    assertUnauthorized(() -> tokens.refresh("unknown"));
  }
}
