package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.push.PushTokenStore;
import io.parley.server.push.PushTokenStore.PushToken;
import java.util.List;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link PushTokenStore} contract, run against every backend by its subclasses. */
abstract class PushTokenStoreContract extends StoreTestBase {
  private static final long NOW = 1_700_000_000_000L;
  private PushTokenStore tokens;

  @BeforeEach
  void setUp() {
    tokens = JdbcPushTokenStore.of(stores.database());
    stores.users().createUser(1, "alice", "Alice", "h", NOW);
    stores.users().createUser(2, "bob", "Bob", "h", NOW);
    stores.users().createDevice(11, 1, "phone", NOW);
    stores.users().createDevice(12, 1, "tablet", NOW);
    stores.users().createDevice(21, 2, "phone", NOW);
  }

  @Test
  void putReplacesFindsAndDeletes() {
    tokens.put(new PushToken(11, 1, "fcm", "tok-1"), NOW);
    tokens.put(new PushToken(11, 1, "apns", "abcd"), NOW + 1);
    assertThat(tokens.find(11)).contains(new PushToken(11, 1, "apns", "abcd"));
    assertThat(tokens.find(12)).isEmpty();
    assertThat(tokens.deleteIfMatches(11, "tok-1")).isFalse(); // a newer token survives
    assertThat(tokens.find(11)).isPresent();
    assertThat(tokens.deleteIfMatches(11, "abcd")).isTrue();
    assertThat(tokens.find(11)).isEmpty();
    tokens.put(new PushToken(12, 1, "webhook", "w"), NOW);
    assertThat(tokens.delete(12)).isTrue();
    assertThat(tokens.delete(12)).isFalse();
  }

  @Test
  void ofUsersListsActiveDevicesOnly() {
    tokens.put(new PushToken(11, 1, "fcm", "a"), NOW);
    tokens.put(new PushToken(12, 1, "fcm", "b"), NOW);
    tokens.put(new PushToken(21, 2, "webhook", "c"), NOW);
    stores.users().revokeDevice(12, NOW);
    List<PushToken> found = stores.database().read(c -> tokens.ofUsers(c, List.of(1L, 2L, 3L)));
    assertThat(found)
        .containsExactlyInAnyOrder(
            new PushToken(11, 1, "fcm", "a"), new PushToken(21, 2, "webhook", "c"));
    List<PushToken> none = stores.database().read(c -> tokens.ofUsers(c, List.of(3L)));
    assertThat(none).isEmpty();
  }
}
