package io.parley.server.cluster.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.JdkWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;
import org.awaitility.Awaitility;

/**
 * A load run shared by the failover, drain and Redis-restart ITs: {@code users} devices in one
 * group connect through nginx to a 3-node cluster and each sends a message every 25 ms; after a
 * while {@code disrupt} runs; load continues, then stops; every acked message must reach every
 * other device (once per socket session, in seq order), and the figures are reported.
 */
final class ClusterLoadRun {
  record Figures(
      long sent,
      long acked,
      long delivered,
      long lost,
      long reconnectFrames,
      long moved,
      List<Delivery> crossNode) {}

  /**
   * A message reaching a device on another node than the one that stored it: when it was first sent
   * and when it arrived ({@code System.nanoTime()}).
   */
  record Delivery(long messageId, long sentNanos, long arrivedNanos) {}

  static Figures run(ClusterHarness h, String base, int users, Runnable disrupt, String label)
      throws Exception {
    List<ClusterHarness.User> us = new ArrayList<>();
    for (int i = 0; i < users; i++) {
      us.add(ClusterHarness.signup(base, label + "_" + i));
    }
    String ids =
        us.subList(1, users).stream()
            .map(u -> "\"" + u.id() + "\"")
            .collect(Collectors.joining(","));
    long group =
        ClusterHarness.call(
                base,
                "POST",
                "/v1/groups",
                us.get(0).token(),
                "{\"name\":\"load\",\"member_ids\":[" + ids + "]}")
            .get("conversation_id")
            .asLong();
    List<LoadClient> clients = new ArrayList<>();
    for (ClusterHarness.User u : us) {
      LoadClient c = new LoadClient(u, base, group);
      c.current();
      clients.add(c);
    }
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> threads = new ArrayList<>();
    for (LoadClient c : clients) {
      threads.add(
          Thread.ofVirtual()
              .start(
                  () -> {
                    while (running.get()) {
                      try {
                        c.sendOne();
                        Pace.pause(25);
                      } catch (Exception e) {
                        // reconnect on next round
                      }
                    }
                  }));
    }
    Pace.pause(1500);
    disrupt.run();
    Pace.pause(3000);
    running.set(false);
    for (Thread t : threads) {
      t.join();
    }
    // every message sent gets acked (after reconnects and resends)
    Awaitility.await()
        .atMost(Duration.ofSeconds(30))
        .pollInterval(Duration.ofMillis(200))
        .until(
            () -> {
              for (LoadClient c : clients) {
                c.keepAlive();
                c.collectAcks();
              }
              return clients.stream().allMatch(c -> c.acked.size() == c.sent.size());
            });
    Set<Long> allAcked = new HashSet<>();
    for (LoadClient c : clients) {
      allAcked.addAll(c.acked.values());
    }
    // every device gets every acked message of the others
    try {
      Awaitility.await()
          .atMost(Duration.ofSeconds(30))
          .pollInterval(Duration.ofMillis(200))
          .until(
              () -> {
                for (LoadClient c : clients) {
                  c.keepAlive();
                  Set<Long> want = new HashSet<>(allAcked);
                  want.removeAll(c.acked.values());
                  if (!c.receivedIds().containsAll(want)) {
                    return false;
                  }
                }
                return true;
              });
    } catch (org.awaitility.core.ConditionTimeoutException e) {
      System.out.println(label + ": not every acked message arrived within 30 s");
    }
    long sent = clients.stream().mapToLong(c -> c.sent.size()).sum();
    long delivered = 0;
    long lost = 0;
    long reconnects = 0;
    List<String> violations = new ArrayList<>();
    for (LoadClient c : clients) {
      Set<Long> want = new HashSet<>(allAcked);
      want.removeAll(c.acked.values());
      Set<Long> got = c.receivedIds();
      delivered += want.stream().filter(got::contains).count();
      List<Long> missing = want.stream().filter(id -> !got.contains(id)).sorted().toList();
      lost += missing.size();
      if (!missing.isEmpty()) {
        System.out.printf(
            "%s: %s missed %d messages, e.g. %s; sessions %d, last seqs %s%n",
            label,
            c.user.name(),
            missing.size(),
            missing.subList(0, Math.min(5, missing.size())),
            c.sessions.size(),
            c.sessions.stream()
                .map(
                    s ->
                        s.messages(group).isEmpty()
                            ? 0
                            : s.messages(group).getLast().get("seq").asLong())
                .toList());
      }
      violations.addAll(c.orderViolations());
      reconnects += c.reconnectFrames();
    }
    long moved = clients.stream().mapToLong(c -> c.sessions.size() - 1).sum();
    Figures f =
        new Figures(sent, allAcked.size(), delivered, lost, reconnects, moved, crossNode(clients));
    System.out.printf(
        "%s: sent=%d acked=%d delivered=%d (message x recipient) lost=%d reconnect_frames=%d"
            + " reconnected_clients=%d%n",
        label, f.sent(), f.acked(), f.delivered(), f.lost(), f.reconnectFrames(), f.moved());
    assertThat(violations).isEmpty();
    assertThat(f.lost()).isZero();
    for (LoadClient c : clients) {
      c.stop();
    }
    return f;
  }

  /** Every delivery of an acked message to a device on another node than the one storing it. */
  private static List<Delivery> crossNode(List<LoadClient> clients) {
    Map<Long, String> storedBy = new HashMap<>();
    Map<Long, Long> sentAt = new HashMap<>();
    for (LoadClient c : clients) {
      storedBy.putAll(c.storedBy);
      c.acked.forEach((clientMsgId, messageId) -> sentAt.put(messageId, c.sentAt.get(clientMsgId)));
    }
    List<Delivery> out = new ArrayList<>();
    for (LoadClient c : clients) {
      for (JdkWebSocket s : c.sessions) {
        String node = LoadClient.node(s);
        s.messageArrivals.forEach(
            (messageId, at) -> {
              String from = storedBy.get(messageId);
              if (from != null && !from.equals(node) && sentAt.get(messageId) != null) {
                out.add(new Delivery(messageId, sentAt.get(messageId), at));
              }
            });
      }
    }
    out.sort(java.util.Comparator.comparingLong(Delivery::arrivedNanos));
    return out;
  }

  private ClusterLoadRun() {}
}
