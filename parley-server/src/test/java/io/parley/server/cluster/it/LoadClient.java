package io.parley.server.cluster.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.it.JdkWebSocket;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A device that keeps chatting through a load balancer: it reconnects when its socket closes
 * (resending unacknowledged messages with the same {@code client_msg_id}) and records, per socket
 * session, the message frames it got, plus its acks and {@code reconnect} frames.
 */
final class LoadClient {
  final ClusterHarness.User user;
  final String base;
  final long conv;
  final List<JdkWebSocket> sessions = new CopyOnWriteArrayList<>();
  final Map<String, Long> sent = new LinkedHashMap<>(); // client_msg_id -> 0 until acked
  final Map<String, Long> acked = new ConcurrentHashMap<>(); // client_msg_id -> message_id
  final Map<String, Long> sentAt = new ConcurrentHashMap<>(); // client_msg_id -> first send nanos
  final Map<Long, String> storedBy = new ConcurrentHashMap<>(); // message_id -> acking node
  final List<Integer> closeCodes = new CopyOnWriteArrayList<>();
  private int next;
  private volatile boolean stopped;

  LoadClient(ClusterHarness.User user, String base, long conv) {
    this.user = user;
    this.base = base;
    this.conv = conv;
  }

  synchronized JdkWebSocket current() throws Exception {
    JdkWebSocket c = sessions.isEmpty() ? null : sessions.get(sessions.size() - 1);
    if (c != null && !c.isClosed()) {
      return c;
    }
    if (c != null) {
      closeCodes.add(c.closed.getNow(-1));
    }
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (true) {
      try {
        JdkWebSocket n = JdkWebSocket.connect(base, user.token(), Duration.ofSeconds(15));
        sessions.add(n);
        // resend what was not acknowledged (same client_msg_id: the server deduplicates)
        for (String id : sent.keySet()) {
          if (!acked.containsKey(id)) {
            n.send(id, conv, "resent " + id);
          }
        }
        return n;
      } catch (Exception e) {
        if (System.nanoTime() > deadline) {
          throw e;
        }
        Pace.pause(100);
      }
    }
  }

  /** Sends one new message (reconnecting first if needed). */
  void sendOne() throws Exception {
    collectAcks();
    String id;
    synchronized (this) {
      id = user.name() + "-" + next++;
      sent.put(id, 0L);
      sentAt.put(id, System.nanoTime());
    }
    try {
      current().send(id, conv, "load " + id);
    } catch (Exception e) {
      // socket died mid-send: the next call reconnects and resends
    }
  }

  void collectAcks() {
    for (JdkWebSocket s : sessions) {
      for (JsonNode a : s.ofType("ack")) {
        acked.putIfAbsent(a.get("client_msg_id").asText(), a.get("message_id").asLong());
        storedBy.putIfAbsent(a.get("message_id").asLong(), node(s));
      }
    }
  }

  /** The node a session is connected to (from its {@code hello}), or "?" before it. */
  static String node(JdkWebSocket s) {
    List<JsonNode> hello = s.ofType("hello");
    return hello.isEmpty() ? "?" : hello.get(0).path("node_id").asText();
  }

  /** Keeps a live socket (after load stops), resending what is unacknowledged. */
  void keepAlive() throws Exception {
    if (!stopped) {
      current();
    }
  }

  void stop() {
    stopped = true;
    for (JdkWebSocket s : sessions) {
      s.abort();
    }
  }

  /** message_id of every message frame received, over all sessions. */
  Set<Long> receivedIds() {
    Set<Long> out = ConcurrentHashMap.newKeySet();
    for (JdkWebSocket s : sessions) {
      for (JsonNode m : s.messages(conv)) {
        out.add(m.get("message_id").asLong());
      }
    }
    return out;
  }

  long reconnectFrames() {
    return sessions.stream().mapToLong(s -> s.ofType("reconnect").size()).sum();
  }

  /** Per session: seqs strictly increasing; across sessions one message_id per seq. */
  List<String> orderViolations() {
    List<String> bad = new ArrayList<>();
    Map<Long, Long> idBySeq = new java.util.HashMap<>();
    for (JdkWebSocket s : sessions) {
      long last = 0;
      for (JsonNode m : s.messages(conv)) {
        long seq = m.get("seq").asLong();
        long mid = m.get("message_id").asLong();
        if (seq <= last) {
          bad.add(user.name() + ": seq " + seq + " after " + last);
        }
        last = seq;
        Long prev = idBySeq.putIfAbsent(seq, mid);
        if (prev != null && prev != mid) {
          bad.add(user.name() + ": seq " + seq + " with two message ids");
        }
      }
    }
    return bad;
  }
}
