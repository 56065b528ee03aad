package io.parley.server.presence;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.cluster.InMemoryPresenceStore;
import io.parley.server.cluster.InMemorySessionRegistry;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.delivery.InMemoryBroker;
import io.parley.server.delivery.Outbound;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.ManualClock;
import io.parley.server.testsupport.TestDatabases;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Two {@link PresenceService}s as two nodes in one process: one presence store, one session
 * registry and one broker shared (in-memory, manual clock, lease 1 s), synchronous executors, so
 * lapsed leases and racing disconnects are exact. Alice (watcher) is on node 1; Bob's devices come
 * and go on both nodes.
 */
class PresenceAcrossNodesTest {
  static final long ALICE = 1;
  static final long BOB = 2;
  static final Duration TTL = Duration.ofSeconds(1);

  final ManualClock clock = new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  final InMemoryPresenceStore store = new InMemoryPresenceStore(clock, TTL);
  final InMemorySessionRegistry sessions = new InMemorySessionRegistry(clock, TTL);
  final InMemoryBroker broker = new InMemoryBroker((users, frame, exclude) -> {});
  TestDatabases.TestDb db;
  Stores stores;
  Node node1;
  Node node2;
  Watcher alice;

  /** A node: its presence service and its connected users. */
  final class Node {
    final int id;
    final Set<Long> here = ConcurrentHashMap.newKeySet();
    final PresenceService presence;

    Node(int id) {
      this.id = id;
      Memberships memberships = new Memberships(stores.conversations(), 1000);
      presence =
          new PresenceService(
              store,
              sessions,
              broker,
              id,
              LocalUsers.of(here::contains, () -> here),
              memberships,
              stores.users(),
              Runnable::run,
              clock);
      broker.onEvent(
          e -> {
            switch (e.kind()) {
              case PRESENCE_CHANGED -> presence.changed(e.subjectId());
              case PRIVACY_CHANGED -> presence.privacyChanged(e.subjectId());
              default -> {}
            }
          });
    }

    /** Bob's device connects here (as the gateway and ClusterNode would report it). */
    void bobConnects(long deviceId) {
      here.add(BOB);
      sessions.register(BOB, deviceId, id, "c" + deviceId);
      presence.connected(BOB, 1);
    }

    /** Bob's only connection here goes; {@code unregistered}: its session entry is removed. */
    void bobLeaves(long deviceId, boolean unregistered) {
      here.remove(BOB);
      if (unregistered) {
        sessions.unregister(BOB, deviceId, "c" + deviceId);
      }
      presence.disconnected(new Watcher(BOB), 0);
    }

    void heartbeat() {
      sessions.heartbeat(id);
      presence.heartbeat();
    }
  }

  /** A stream of a user's (identity equality, like a connection): records the frames offered. */
  static final class Watcher implements PresenceSubscriber {
    private final long userId;
    private final List<String> frames = new CopyOnWriteArrayList<>();

    Watcher(long userId) {
      this.userId = userId;
    }

    @Override
    public long userId() {
      return userId;
    }

    List<String> frames() {
      return frames;
    }

    @Override
    public void offer(Outbound frame) {
      frames.add(frame.json());
    }

    @Override
    public boolean isClosed() {
      return false;
    }
  }

  @BeforeEach
  void open() {
    db = TestDatabases.sqlite();
    stores = db.open();
    stores.users().createUser(ALICE, "alice", "Alice", "h", clock.millis());
    stores.users().createUser(BOB, "bob", "Bob", "h", clock.millis());
    stores.conversations().createGroup(10, "g", ALICE, List.of(BOB), clock.millis());
    node1 = new Node(1);
    node2 = new Node(2);
    alice = new Watcher(ALICE);
    node1.presence.subscribe(alice, List.of(BOB));
  }

  @AfterEach
  void close() {
    stores.close();
    db.close();
  }

  static String online(long at) {
    return "{\"type\":\"presence\",\"user_id\":\"2\",\"online\":true,\"last_seen\":" + at + "}";
  }

  static String offline(long lastSeen) {
    return "{\"type\":\"presence\",\"user_id\":\"2\",\"online\":false,\"last_seen\":"
        + lastSeen
        + "}";
  }

  static final String NEVER_SEEN = "{\"type\":\"presence\",\"user_id\":\"2\",\"online\":false}";

  @Test
  void onlineWhileAnyDeviceIsConnectedAnywhere() {
    long t0 = clock.millis();
    node2.bobConnects(21);
    node1.bobConnects(11); // already online: no event, no frame
    clock.advance(Duration.ofMillis(200));
    node2.bobLeaves(21, true); // device on node 1 remains
    node1.heartbeat();
    node2.heartbeat();
    assertThat(alice.frames()).containsExactly(NEVER_SEEN, online(t0));

    clock.advance(Duration.ofMillis(300));
    long t1 = clock.millis();
    node1.bobLeaves(11, true);
    assertThat(alice.frames()).containsExactly(NEVER_SEEN, online(t0), offline(t1));
  }

  @Test
  void deadNodesUserGoesOfflineAtTheFirstSweepAfterTheLease() {
    long t0 = clock.millis();
    node2.bobConnects(21);
    clock.advance(Duration.ofMillis(400));
    long lastBeat = clock.millis();
    node2.heartbeat(); // node 2's last sign of life
    clock.advance(Duration.ofMillis(900)); // within the lease renewed at lastBeat
    node1.heartbeat();
    assertThat(alice.frames()).containsExactly(NEVER_SEEN, online(t0));

    clock.advance(Duration.ofMillis(200)); // lease of lastBeat over
    node1.heartbeat();
    assertThat(alice.frames()).containsExactly(NEVER_SEEN, online(t0), offline(lastBeat));
  }

  @Test
  void racingLastDisconnectsOnTwoNodesEndWithinTheLease() {
    long t0 = clock.millis();
    node1.bobConnects(11);
    node2.bobConnects(21);
    // both leave before either session entry is gone: each node sees the other's session
    node1.bobLeaves(11, false);
    node2.bobLeaves(21, false);
    assertThat(alice.frames()).containsExactly(NEVER_SEEN, online(t0));
    sessions.unregister(BOB, 11, "c11");
    sessions.unregister(BOB, 21, "c21");

    clock.advance(TTL.plusMillis(1)); // nobody renewed bob's online lease
    node1.heartbeat();
    assertThat(alice.frames()).containsExactly(NEVER_SEEN, online(t0), offline(t0));
  }

  @Test
  void privacyEventFromAnotherNodeReachesTheWatcher() {
    long t0 = clock.millis();
    node2.bobConnects(21);
    stores.users().updatePrivacy(BOB, io.parley.server.auth.Audience.NOBODY, null);
    broker.publishEvent(io.parley.server.delivery.ClusterEvent.privacyChanged(BOB));
    assertThat(alice.frames())
        .containsExactly(
            NEVER_SEEN, online(t0), "{\"type\":\"presence\",\"user_id\":\"2\",\"online\":true}");
  }
}
