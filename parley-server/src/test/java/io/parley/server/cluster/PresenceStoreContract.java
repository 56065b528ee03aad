package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link PresenceStore} must have; run on each implementation. */
abstract class PresenceStoreContract {
  static final Duration TTL = Duration.ofSeconds(1);

  protected PresenceStore store;
  protected ClusterTime time;
  protected Clock clock;

  /** A fresh store with online TTL {@link #TTL}; sets {@link #clock} to the clock it uses. */
  protected abstract PresenceStore newStore(Duration ttl);

  protected abstract ClusterTime time();

  protected void cleanUp() {}

  @BeforeEach
  void open() {
    store = newStore(TTL);
    time = time();
  }

  @AfterEach
  void closeStore() {
    store.close();
    cleanUp();
  }

  private PresenceState of(long userId) {
    return get(store.get(List.of(userId))).get(userId);
  }

  @Test
  void neverSeenUsersAreOfflineWithNoLastSeen() {
    assertThat(get(store.get(List.of(1L, 2L))))
        .containsEntry(1L, new PresenceState(1, false, 0))
        .containsEntry(2L, new PresenceState(2, false, 0))
        .hasSize(2);
  }

  @Test
  void onlineUserIsOnlineWithLastSeenNow() {
    long before = clock.millis();
    get(store.markOnline(1, 7));
    long after = clock.millis();
    PresenceState p = of(1);
    assertThat(p.online()).isTrue();
    assertThat(p.lastSeenMs()).isBetween(before, after);
    assertThat(of(2).online()).isFalse();
  }

  @Test
  void markOfflineRecordsTheGivenTime() {
    get(store.markOnline(1, 7));
    get(store.markOffline(1, 1_234_567L));
    assertThat(of(1)).isEqualTo(new PresenceState(1, false, 1_234_567L));
    get(store.markOnline(1, 7));
    assertThat(of(1).online()).as("online again").isTrue();
  }

  @Test
  void onlineUserKeepsTheEndOfThePreviousSession() {
    get(store.markOnline(1, 7));
    assertThat(of(1).previousSessionEndMs()).as("first session").isZero();
    get(store.markOffline(1, 1_234_567L));
    get(store.markOnline(1, 8));
    PresenceState p = of(1);
    assertThat(p.online()).isTrue();
    assertThat(p.previousSessionEndMs()).isEqualTo(1_234_567L);
    assertThat(p.lastSeenMs()).as("the confirmation just made").isGreaterThan(1_234_567L);
  }

  @Test
  void onlineExpiresWithoutRefreshKeepingTheLastConfirmation() {
    long before = clock.millis();
    get(store.markOnline(1, 7));
    long after = clock.millis();
    time.elapse(TTL.plusMillis(100));
    time.eventually(
        () -> {
          PresenceState p = of(1);
          assertThat(p.online()).isFalse();
          assertThat(p.lastSeenMs()).isBetween(before, after);
        });
  }

  @Test
  void refreshKeepsUsersOnline() {
    get(store.markOnline(List.of(1L, 2L), 7));
    get(store.markOnline(3, 7));
    for (int i = 0; i < 3; i++) {
      time.elapse(TTL.dividedBy(2));
      get(store.markOnline(List.of(1L, 2L), 7));
    }
    var all = get(store.get(List.of(1L, 2L, 3L)));
    assertThat(all.get(1L).online()).isTrue();
    assertThat(all.get(2L).online()).isTrue();
    assertThat(all.get(3L).online()).as("not refreshed").isFalse();
  }
}
