package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.auth.Audience;
import io.parley.server.auth.Device;
import io.parley.server.auth.Privacy;
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
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 10, 0).outcome())
        .isEqualTo(Outcome.INVALID);
  }

  @Test
  void refreshTokensRotate() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    var r1 = users.rotateRefreshToken("t1", "t2", NOW + 2 * HOUR, NOW + 1, 0);
    assertThat(r1.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(r1.device()).isEqualTo(d);
    var r2 = users.rotateRefreshToken("t2", "t3", NOW + 3 * HOUR, NOW + 2, 0);
    assertThat(r2.outcome()).isEqualTo(Outcome.ROTATED);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isTrue();
  }

  @Test
  void reusedTokenRevokesTheDevice() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 1, 0).outcome())
        .isEqualTo(Outcome.ROTATED);

    var replay = users.rotateRefreshToken("t1", "t9", NOW + HOUR, NOW + 2, 0);
    assertThat(replay.outcome()).isEqualTo(Outcome.REUSED);
    assertThat(replay.device().id()).isEqualTo(d.id());
    assertThat(replay.device().revokedAt()).isEqualTo(NOW + 2);
    assertThat(users.findDevice(d.id()).orElseThrow().revokedAt()).isEqualTo(NOW + 2);
    // every token of the device is dead now, including the legitimately rotated one
    assertThat(users.rotateRefreshToken("t2", "t3", NOW + HOUR, NOW + 3, 0).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.rotateRefreshToken("t1", "t4", NOW + HOUR, NOW + 4, 0).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.rotateRefreshToken("t9", "t5", NOW + HOUR, NOW + 5, 0).outcome())
        .isEqualTo(Outcome.INVALID);
  }

  @Test
  void expiredOrUnknownTokenIsInvalidAndChangesNothing() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + 2 * HOUR, NOW + HOUR, 0).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.rotateRefreshToken("nope", "t3", NOW + 2 * HOUR, NOW, 0).outcome())
        .isEqualTo(Outcome.INVALID);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isTrue();
    // the expired attempt stored nothing: t2 is unknown
    assertThat(users.rotateRefreshToken("t2", "t4", NOW + 2 * HOUR, NOW, 0).outcome())
        .isEqualTo(Outcome.INVALID);
  }

  @Test
  void concurrentRotationOfOneTokenSucceedsOnce() throws Exception {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    List<Outcome> outcomes =
        concurrently(
            6, t -> users.rotateRefreshToken("t1", "new-" + t, NOW + HOUR, NOW + 1, 0).outcome());
    // one wins; a later one is a replay that revokes the device (after which tokens are gone)
    assertThat(outcomes).containsOnlyOnce(Outcome.ROTATED).contains(Outcome.REUSED);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isFalse();
  }

  @Test
  void repeatOfTheLatestRotationWithinGraceChangesNothing() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 1, 10_000).outcome())
        .isEqualTo(Outcome.ROTATED);
    var again = users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 10_001, 10_000);
    assertThat(again.outcome()).isEqualTo(Outcome.REPEATED);
    assertThat(again.device()).isEqualTo(d);
    // another successor is not a repeat but a replay
    Device e = newDevice();
    users.storeRefreshToken("e1", e.id(), NOW + HOUR);
    users.rotateRefreshToken("e1", "e2", NOW + HOUR, NOW + 1, 10_000);
    assertThat(users.rotateRefreshToken("e1", "e3", NOW + HOUR, NOW + 2, 10_000).outcome())
        .isEqualTo(Outcome.REUSED);
    assertThat(users.findDevice(e.id()).orElseThrow().active()).isFalse();
    // t2 still works and rotates normally
    assertThat(users.rotateRefreshToken("t2", "t3", NOW + HOUR, NOW + 3, 10_000).outcome())
        .isEqualTo(Outcome.ROTATED);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isTrue();
  }

  @Test
  void repeatAfterGraceOrOfAnOlderTokenRevokes() {
    Device d = newDevice();
    users.storeRefreshToken("t1", d.id(), NOW + HOUR);
    users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 1, 10_000);
    assertThat(users.rotateRefreshToken("t1", "t2", NOW + HOUR, NOW + 10_002, 10_000).outcome())
        .isEqualTo(Outcome.REUSED);
    assertThat(users.findDevice(d.id()).orElseThrow().active()).isFalse();

    Device e = newDevice();
    users.storeRefreshToken("e1", e.id(), NOW + HOUR);
    users.rotateRefreshToken("e1", "e2", NOW + HOUR, NOW + 1, 10_000);
    users.rotateRefreshToken("e2", "e3", NOW + HOUR, NOW + 2, 10_000);
    // e1 is older than the latest rotation: its successor e2 is used
    assertThat(users.rotateRefreshToken("e1", "e2", NOW + HOUR, NOW + 3, 10_000).outcome())
        .isEqualTo(Outcome.REUSED);
    assertThat(users.findDevice(e.id()).orElseThrow().active()).isFalse();
  }

  @Test
  void concurrentRefreshesWithOneTokenWithinGraceAllSucceed() throws Exception {
    for (int round = 0; round < 5; round++) {
      Device d = newDevice();
      String token = "r" + round;
      users.storeRefreshToken(token, d.id(), NOW + HOUR);
      String next = token + "-next";
      List<Outcome> outcomes =
          concurrently(
              6,
              t ->
                  users.rotateRefreshToken(token, next, NOW + HOUR, NOW + 1 + t, 10_000).outcome());
      assertThat(outcomes).containsOnlyOnce(Outcome.ROTATED);
      assertThat(outcomes).filteredOn(o -> o != Outcome.ROTATED).containsOnly(Outcome.REPEATED);
      assertThat(users.findDevice(d.id()).orElseThrow().active()).isTrue();
      assertThat(users.rotateRefreshToken(next, next + "2", NOW + HOUR, NOW + 9, 10_000).outcome())
          .isEqualTo(Outcome.ROTATED);
    }
  }

  @Test
  void privacyDefaultsToContactsAndUpdatesPartially() {
    users.createUser(1, "alice", "Alice", "h", NOW);
    assertThat(users.privacy(1)).contains(Privacy.DEFAULT);
    assertThat(users.updatePrivacy(1, Audience.NOBODY, null))
        .contains(new Privacy(Audience.NOBODY, Audience.CONTACTS));
    assertThat(users.updatePrivacy(1, null, Audience.EVERYONE))
        .contains(new Privacy(Audience.NOBODY, Audience.EVERYONE));
    assertThat(users.privacy(1)).contains(new Privacy(Audience.NOBODY, Audience.EVERYONE));
    assertThat(users.privacy(2)).isEmpty();
    assertThat(users.updatePrivacy(2, Audience.NOBODY, null)).isEmpty();
  }

  private Device newDevice() {
    long userId = nextId();
    users.createUser(userId, "user" + userId, "U", "h", NOW);
    return users.createDevice(nextId(), userId, "phone", NOW);
  }
}
