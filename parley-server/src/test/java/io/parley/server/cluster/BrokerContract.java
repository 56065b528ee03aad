package io.parley.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.Outbound;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link Broker} must have, seen from two nodes A and B, each with a {@link
 * RecordingSink} standing for its connection registry. A single-node broker serves both sinks from
 * one process (A and B are then the same broker); a cluster broker runs one broker per node.
 */
abstract class BrokerContract {
  protected static final int A = 0;
  protected static final int B = 1;

  protected final RecordingSink sinkA = new RecordingSink();
  protected final RecordingSink sinkB = new RecordingSink();

  /** Creates and starts the brokers of A and B over {@link #sinkA} and {@link #sinkB}. */
  protected abstract void startNodes();

  protected abstract Broker broker(int node);

  /** Connects {@code deviceId} of {@code userId} on {@code node} (its sink and any registry). */
  protected abstract void connect(int node, long userId, long deviceId);

  protected abstract void stopNodes();

  @BeforeEach
  void start() {
    startNodes();
  }

  @AfterEach
  void stop() {
    stopNodes();
  }

  static Outbound text(String s) {
    return Outbound.of("{\"t\":\"" + s + "\"}");
  }

  /** Waits (20 s at most) until the assertion holds. */
  static void eventually(Runnable assertion) {
    await().atMost(Duration.ofSeconds(20)).untilAsserted(assertion::run);
  }

  @Test
  void deliversToUsersOnTheOtherNode() {
    connect(B, 1, 11);
    connect(A, 2, 21);
    broker(A).publish(List.of(1L), text("hi"), 0);
    broker(A).publish(List.of(2L), text("marker"), 0);
    eventually(
        () -> {
          assertThat(sinkB.got(11)).containsExactly(text("hi").json());
          assertThat(sinkA.got(21)).containsExactly(text("marker").json());
        });
    assertThat(sinkA.got(11)).isEmpty();
  }

  @Test
  void deliversToUsersOnTheSameNode() {
    connect(A, 2, 21);
    connect(A, 2, 22);
    broker(A).publish(List.of(2L), text("local"), 0);
    eventually(
        () -> {
          assertThat(sinkA.got(21)).containsExactly(text("local").json());
          assertThat(sinkA.got(22)).containsExactly(text("local").json());
        });
  }

  @Test
  void excludesTheSendingDeviceOnly() {
    connect(A, 1, 11);
    connect(A, 1, 13);
    connect(B, 1, 12);
    broker(A).publish(List.of(1L), text("m1"), 11);
    broker(A).publish(List.of(1L), text("marker"), 0);
    eventually(
        () -> {
          assertThat(sinkA.got(11)).contains(text("marker").json());
          assertThat(sinkA.got(13)).containsExactly(text("m1").json(), text("marker").json());
          assertThat(sinkB.got(12)).containsExactly(text("m1").json(), text("marker").json());
        });
    assertThat(sinkA.got(11)).containsExactly(text("marker").json());
  }

  @Test
  void preservesOrderOverTenThousandFrames() {
    connect(A, 1, 11);
    connect(B, 1, 12);
    connect(B, 2, 22);
    int n = 10_000;
    for (int i = 1; i <= n; i++) {
      broker(A).publish(List.of(1L, 2L), new Outbound("{\"i\":" + i + "}", 5, i), 0);
    }
    List<Long> expected = LongStream.rangeClosed(1, n).boxed().toList();
    eventually(
        () -> {
          for (var got : List.of(sinkA.frames(11), sinkB.frames(12), sinkB.frames(22))) {
            assertThat(got).hasSize(n);
          }
        });
    for (var got : List.of(sinkA.frames(11), sinkB.frames(12), sinkB.frames(22))) {
      assertThat(got.stream().map(Outbound::seq).toList()).isEqualTo(expected);
      assertThat(got.get(n - 1).json()).isEqualTo("{\"i\":" + n + "}");
    }
  }

  @Test
  void eventsReachEveryNodeIncludingTheSender() {
    List<ClusterEvent> onA = new CopyOnWriteArrayList<>();
    List<ClusterEvent> onB = new CopyOnWriteArrayList<>();
    broker(A).onEvent(onA::add);
    broker(B).onEvent(onB::add);
    ClusterEvent e1 = ClusterEvent.membershipChanged(5);
    ClusterEvent e2 = ClusterEvent.deviceRevoked(1, 2);
    ClusterEvent e3 = ClusterEvent.profileChanged(3);
    ClusterEvent marker = ClusterEvent.privacyChanged(4);
    broker(A).publishEvent(e1);
    broker(B).publishEvent(e2);
    broker(A).publishEvent(e3);
    eventually(
        () -> {
          assertThat(onA).contains(e1, e2, e3);
          assertThat(onB).contains(e1, e2, e3);
        });
    broker(A).publishEvent(marker);
    eventually(
        () -> {
          assertThat(onA).contains(marker);
          assertThat(onB).contains(marker);
        });
    assertThat(onA).as("each event once").containsExactlyInAnyOrder(e1, e2, e3, marker);
    assertThat(onB).as("each event once").containsExactlyInAnyOrder(e1, e2, e3, marker);
    assertThat(onA.indexOf(e1)).isLessThan(onA.indexOf(e3));
  }
}
