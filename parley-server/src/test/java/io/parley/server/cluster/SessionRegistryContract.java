package io.parley.server.cluster;

import static io.parley.server.cluster.ClusterTime.get;
import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The behaviour every {@link SessionRegistry} must have; run on each implementation. */
abstract class SessionRegistryContract {
  /** Lease TTL used by the suite (short, so real-time implementations expire quickly). */
  static final Duration TTL = Duration.ofMillis(1000);

  protected SessionRegistry reg;
  protected ClusterTime time;

  /** A fresh, empty registry with lease TTL {@link #TTL}, and how time passes for it. */
  protected abstract SessionRegistry newRegistry(Duration leaseTtl);

  protected abstract ClusterTime time();

  protected void cleanUp() {}

  @BeforeEach
  void open() {
    reg = newRegistry(TTL);
    time = time();
  }

  @AfterEach
  void closeRegistry() {
    reg.close();
    cleanUp();
  }

  @Test
  void registeredDevicesAreListedWithTheirNodes() {
    get(reg.register(1, 11, 1, "c-a"));
    get(reg.register(1, 12, 2, "c-b"));
    get(reg.register(2, 21, 1, "c-c"));

    assertThat(get(reg.devicesOf(1)))
        .containsExactlyInAnyOrder(new Session(1, 11, 1, "c-a"), new Session(1, 12, 2, "c-b"));
    assertThat(get(reg.nodesOf(1L))).containsExactlyInAnyOrder(1, 2);
    assertThat(get(reg.nodesOf(2L))).containsExactly(1);
    assertThat(get(reg.isOnline(1))).isTrue();
    assertThat(get(reg.isOnline(3))).isFalse();
    assertThat(get(reg.devicesOf(3))).isEmpty();
    assertThat(get(reg.nodesOf(List.of(1L, 2L, 3L))))
        .isEqualTo(Map.of(1L, Set.of(1, 2), 2L, Set.of(1), 3L, Set.of()));
  }

  @Test
  void unregisterRemovesOnlyTheMatchingConnection() {
    get(reg.register(1, 11, 1, "old"));
    get(reg.register(1, 11, 2, "new")); // reconnect of the same device on node 2
    assertThat(get(reg.devicesOf(1))).containsExactly(new Session(1, 11, 2, "new"));

    get(reg.unregister(1, 11, "old")); // late clean-up of the old connection
    assertThat(get(reg.devicesOf(1))).containsExactly(new Session(1, 11, 2, "new"));

    get(reg.unregister(1, 11, "new"));
    assertThat(get(reg.isOnline(1))).isFalse();
    assertThat(get(reg.nodesOf(1L))).isEmpty();
  }

  @Test
  void heartbeatsKeepSessionsAlive() {
    get(reg.register(1, 11, 1, "c"));
    for (int i = 0; i < 4; i++) {
      time.elapse(TTL.dividedBy(2));
      assertThat(get(reg.heartbeat(1))).as("lease still alive at heartbeat " + i).isTrue();
    }
    assertThat(get(reg.isOnline(1))).isTrue();
  }

  @Test
  void sessionsOfADeadNodeExpireAndOthersStay() {
    get(reg.register(1, 11, 1, "on-dead"));
    get(reg.register(1, 12, 2, "on-live"));
    get(reg.register(2, 21, 1, "on-dead-2"));
    // node 2 keeps heartbeating, node 1 died
    time.elapse(TTL.dividedBy(2));
    get(reg.heartbeat(2));
    time.elapse(TTL.dividedBy(2).plusMillis(100));
    get(reg.heartbeat(2));
    time.eventually(
        () -> {
          assertThat(get(reg.devicesOf(1))).containsExactly(new Session(1, 12, 2, "on-live"));
          assertThat(get(reg.isOnline(2))).isFalse();
          assertThat(get(reg.nodesOf(List.of(1L, 2L))))
              .isEqualTo(Map.of(1L, Set.of(2), 2L, Set.of()));
        });
  }

  @Test
  void aLapsedLeaseIsReportedAndOldSessionsDoNotComeBack() {
    get(reg.register(1, 11, 1, "c1"));
    time.elapse(TTL.plusMillis(100));
    time.eventually(() -> assertThat(get(reg.isOnline(1))).isFalse());

    assertThat(get(reg.heartbeat(1))).as("the lease had lapsed").isFalse();
    assertThat(get(reg.isOnline(1))).as("new incarnation does not revive old entries").isFalse();

    get(reg.register(1, 11, 1, "c2")); // the node re-registers its devices
    assertThat(get(reg.devicesOf(1))).containsExactly(new Session(1, 11, 1, "c2"));
    assertThat(get(reg.heartbeat(1))).isTrue();
  }
}
