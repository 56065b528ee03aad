package io.parley.bench;

import io.vertx.core.Future;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One bench WebSocket session, directly on Vert.x (thousands share a few event loops). Incoming
 * frames are classified cheaply and handed to a {@link Listener}; per-sender ordering state lives
 * here and is touched only on this connection's event loop.
 */
final class BenchClient {
  /** Callbacks, invoked on the connection's event loop. */
  interface Listener {
    default void onHello(BenchClient c) {}

    default void onAck(BenchClient c, String frame) {}

    default void onMessage(BenchClient c, String frame) {}

    default void onSynced(BenchClient c) {}

    default void onError(BenchClient c, String frame) {}

    default void onClose(BenchClient c, Short code) {}
  }

  final int index;
  final String userId;
  final String token;
  volatile WebSocket ws;
  volatile boolean synced;
  volatile boolean hello;
  volatile boolean closed;

  /** The server port this client connects to; 0: the {@link Load}'s target. */
  int port;

  /** The conversation this client sends into (direct peer or group). */
  volatile String conversation;

  /** Next sequence number this client sends (written by the single scheduler thread). */
  long nextSeq = 1;

  /**
   * If set, each send goes to a random one of these users by {@code to_user_id} (not to {@link
   * #conversation}), numbered per peer so each receiver still sees this sender's sequence without
   * gaps. Used only by the single scheduler thread.
   */
  volatile List<BenchClient> randomPeers;

  final Map<Integer, Long> nextSeqTo = new HashMap<>();
  final java.util.SplittableRandom random;

  /** Highest sequence seen per sender index (event-loop confined). */
  final Map<Integer, Long> lastSeq = new HashMap<>();

  /** Messages received (event-loop confined, read after quiescence). */
  long received;

  BenchClient(int index, String userId, String token) {
    this.index = index;
    this.userId = userId;
    this.token = token;
    this.random = new java.util.SplittableRandom(index * 0x9E3779B97F4A7C15L + 1);
  }

  /** The next send of a random-peer client (its frame), to a random peer other than itself. */
  String nextRandomSend(long intendedNanos) {
    List<BenchClient> peers = randomPeers;
    BenchClient to;
    do {
      to = peers.get(random.nextInt(peers.size()));
    } while (to == this);
    long seq = nextSeqTo.merge(to.index, 1L, Long::sum);
    return Frames.sendTo(to.userId, index, seq, intendedNanos);
  }

  Future<BenchClient> connect(WebSocketClient client, String host, int port, Listener l) {
    WebSocketConnectOptions o =
        new WebSocketConnectOptions()
            .setHost(host)
            .setPort(port)
            .setURI("/v1/ws?access_token=" + URLEncoder.encode(token, StandardCharsets.UTF_8))
            .setConnectTimeout(30_000);
    return client
        .connect(o)
        .map(
            w -> {
              ws = w;
              closed = false;
              w.textMessageHandler(
                  text -> {
                    String t = Frames.type(text);
                    if (t == null) {
                      return;
                    }
                    switch (t) {
                      case "message" -> l.onMessage(this, text);
                      case "ack" -> l.onAck(this, text);
                      case "hello" -> {
                        hello = true;
                        l.onHello(this);
                      }
                      case "synced" -> {
                        synced = true;
                        l.onSynced(this);
                      }
                      case "error" -> l.onError(this, text);
                      default -> {}
                    }
                  });
              w.closeHandler(
                  v -> {
                    closed = true;
                    l.onClose(this, w.closeStatusCode());
                  });
              w.exceptionHandler(e -> {});
              return this;
            });
  }

  void write(String frame) {
    WebSocket w = ws;
    if (w != null && !closed) {
      w.writeTextMessage(frame);
    }
  }

  Future<Void> close() {
    WebSocket w = ws;
    closed = true;
    return w == null ? Future.succeededFuture() : w.close();
  }

  /**
   * Records one received message from {@code sender} with sequence {@code seq}: returns 0 if it is
   * the next expected, 1 if a duplicate / stale, 2 if a gap (out of order).
   */
  int accept(int sender, long seq) {
    Long last = lastSeq.get(sender);
    long prev = last == null ? 0 : last;
    if (seq <= prev) {
      return 1;
    }
    lastSeq.put(sender, seq);
    received++;
    return seq == prev + 1 ? 0 : 2;
  }
}
