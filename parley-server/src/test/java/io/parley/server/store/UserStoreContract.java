package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.auth.Device;
import io.parley.server.auth.ProfilePatch;
import io.parley.server.auth.User;
import io.parley.server.auth.UserStore;
import io.parley.server.auth.UserStore.RotateResult.Outcome;
import io.parley.server.auth.UsernameTakenException;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link UserStore} contract, run against every backend by its subclasses. */
abstract class UserStoreContract extends StoreTestBase {
  private static final long NOW = 1_700_000_000_000L;
  private static final long HOUR = 3_600_000L;

  private UserStore users;

  @BeforeEach
  void setUp() {
    users = stores.users();
  }

  @Test
  void createsAndFindsUsersCaseInsensitively() {
    User alice = users.createUser(1, "Alice", "Alice A.", "hash-a", NOW);
    assertThat(alice).isEqualTo(new User(1, "Alice", "Alice A.", "", null, NOW));
    assertThat(users.findUser(1)).contains(alice);
    assertThat(users.findUserByUsername("aLiCe")).contains(alice);
    assertThat(users.credentials("ALICE")).contains(new UserStore.Credentials(1, "hash-a"));
    assertThat(users.findUser(2)).isEmpty();
    assertThat(users.findUserByUsername("bob")).isEmpty();
    assertThat(users.credentials("bob")).isEmpty();
  }

  @Test
  void usernameIsUniqueCaseInsensitively() {
    users.createUser(1, "alice", "Alice", "h", NOW);
    assertThatThrownBy(() -> users.createUser(2, "ALICE", "Other", "h2", NOW))
        .isInstanceOf(UsernameTakenException.class);
    assertThat(users.findUser(2)).isEmpty();
    assertThat(users.credentials("Alice")).contains(new UserStore.Credentials(1, "h"));
  }

  @Test
  void nullDisplayNameDefaultsToUsername() {
    assertThat(users.createUser(1, "carol", null, "h", NOW).displayName()).isEqualTo("carol");
  }

  @Test
  void updateProfileAppliesOnlyNonNullFields() {
    users.createUser(1, "alice", "Alice", "h", NOW);
    User u = users.updateProfile(1, new ProfilePatch(null, "hi there", 77L)).orElseThrow();
    assertThat(u).isEqualTo(new User(1, "alice", "Alice", "hi there", 77L, NOW));
    u = users.updateProfile(1, new ProfilePatch("Ally", null, null)).orElseThrow();
    assertThat(u).isEqualTo(new User(1, "alice", "Ally", "hi there", 77L, NOW));
    assertThat(users.findUser(1)).contains(u);
    assertThat(users.updateProfile(99, new ProfilePatch("x", null, null))).isEmpty();
  }

  @Test
  void devicesAreListedOldestFirst() {
    users.createUser(1, "alice", "Alice", "h", NOW);
    Device phone = users.createDevice(11, 1, "phone", NOW + 2);
    Device laptop = users.createDevice(10, 1, "laptop", NOW + 1);
    assertThat(phone.active()).isTrue();
    assertThat(users.findDevice(11)).contains(phone);
    assertThat(users.devices(1)).containsExactly(laptop, phone);
    assertThat(users.devices(2)).isEmpty();
    assertThat(users.findDevice(12)).isEmpty();
  }

  @Test
  void revokeDeviceIsIdempotentAndKillsItsTokens() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    users.revokeDevice(d.id(), NOW + 5);
    users.revokeDevice(d.id(), NOW + 9);
    assertThat(users.findDevice(d.id()).orElseThrow().revokedAt()).isEqualTo(NOW + 5);
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 10).outcome())
        .isEqualTo(Outcome.INVALID);
  }

  @Test
  void refreshTokensRotate() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    var r1 = users.rotateRefreshToken("t1", "t2", NOW + 2 * HOUR, NOW + 1);
    assertThat(r1.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(r1.device()).isEqualTo(d);
    var r2 = users.rotateRefreshToken("t2", "t3", NOW + 3 * HOUR, NOW + 2);
    assertThat(r2.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isTrue();
  }

  @Test
  void reusedTokenRevokesTheDevice() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 1).outcome())
        .isEqualTo(Outcome.ROTATED);

    var replay = users.rotateRefreshToken("t1", "t9", NOW + HOUR, NOW + 2);
    assertThat(replay.outcome()).isEqualTo(Outcome.REUSED);
    assertThat(replay.device()).isNull();
    assertThat(users.findDevice(d.id()).orElseThrow().revokedAt()).isEqualTo(NOW + 2);
    // every token of the device is dead now, including the legitimately rotated one
    assertThat(users.rotateRefreshToken("t2", "t3", NOW + HOUR, NOW + 3).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.rotateRefreshToken("t1", "t4", NOW + HOUR, NOW + 4).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.rotateRefreshToken("t9", "t5", NOW + HOUR, NOW + 5).outcome())
        .isEqualTo(Outcome.INVALID);
  }

  @Test
  void expiredOrUnknownTokenIsInvalidAndChangesNothing() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + 2 * HOUR, NOW + HOUR).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.rotateRefreshToken("nope", "t3", NOW + 2 * HOUR, NOW).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isTrue();
    // the expired attempt stored nothing: t2 is unknown
    assertThat(users.rotateRefreshToken("t2", "t4", NOW + 2 * HOUR, NOW).outcome())
        .isEqualTo(Outcome.INVALID);
  }

  @Test
  void concurrentRotationOfOneTokenSucceedsOnce() throws Exception {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    List<Outcome> outcomes =
        concurrently(
            6, t -> users.rotateRefreshToken("t1", "new-" + t, NOW + HOUR, NOW + 1).outcome());
    // one wins; a later one is a replay that revokes the device (after which tokens are gone)
    assertThat(outcomes).containsOnlyOnce(Outcome.ROTATED).contains(Outcome.REUSED);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isFalse();
  }

  private Device newDevice() {
    long userId = nextId();
    users.createUser(userId, "user" + userId, "U", "h", NOW);
    return users.createDevice(nextId(), userId, "phone", NOW);
  }
}
