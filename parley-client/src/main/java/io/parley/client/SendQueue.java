package io.parley.client;

import io.parley.protocol.Frames;
import io.vertx.core.Vertx;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Unacknowledged {@code send} frames of one {@link ParleyClient}, in send order. Each is written
 * again, byte for byte (same client_msg_id), after the ack timeout and after every (re)connect,
 * until its {@code ack} arrives. Confined to the client's Vert.x context.
 */
final class SendQueue {
  private static final class Pending {
    final String clientMsgId;
    final String json;
    final CompletableFuture<Frames.Ack> future;
    long timer = -1;

    Pending(String clientMsgId, String json, CompletableFuture<Frames.Ack> future) {
      this.clientMsgId = clientMsgId;
      this.json = json;
      this.future = future;
    }
  }

  private final Vertx vertx;
  private final long ackTimeoutMs;
  private final Predicate<String> wire;
  private final Map<String, Pending> pending = new LinkedHashMap<>();

  /** {@code wire} writes a frame and returns false when there is no usable connection. */
  SendQueue(Vertx vertx, long ackTimeoutMs, Predicate<String> wire) {
    this.vertx = vertx;
    this.ackTimeoutMs = ackTimeoutMs;
    this.wire = wire;
  }

  /** Queues and transmits a send; a duplicate client_msg_id joins the one already pending. */
  // whenComplete only forwards the pending send's outcome; the stage it returns is not needed
  @SuppressWarnings("FutureReturnValueIgnored")
  void add(String clientMsgId, String json, CompletableFuture<Frames.Ack> future) {
    Pending prev = pending.get(clientMsgId);
    if (prev != null) {
      prev.future.whenComplete(
          (a, e) -> {
            if (e != null) {
              future.completeExceptionally(e);
            } else {
              future.complete(a);
            }
          });
      return;
    }
    Pending p = new Pending(clientMsgId, json, future);
    pending.put(clientMsgId, p);
    transmit(p);
  }

  /** Writes every pending send again (after a new {@code hello}). */
  void resendAll() {
    pending.values().forEach(this::transmit);
  }

  void acked(Frames.Ack ack) {
    Pending p = pending.remove(ack.clientMsgId());
    if (p != null) {
      cancel(p);
      p.future.complete(ack);
    }
  }

  /** Fails the send named by a non-transient error frame; transient ones keep retrying. */
  void rejected(Frames.Error e) {
    if (e.clientMsgId() == null
        || "rate_limited".equals(e.code())
        || "internal".equals(e.code())
        || "unavailable".equals(e.code())) {
      return;
    }
    Pending p = pending.remove(e.clientMsgId());
    if (p != null) {
      cancel(p);
      p.future.completeExceptionally(new ParleySendException(e));
    }
  }

  void failAll(Throwable t) {
    pending.values().forEach(p -> cancel(p));
    pending.values().forEach(p -> p.future.completeExceptionally(t));
    pending.clear();
  }

  int size() {
    return pending.size();
  }

  private void transmit(Pending p) {
    cancel(p);
    // false (no usable connection) needs nothing here: the ack timer below retransmits
    boolean unusedWritten = wire.test(p.json);
    p.timer =
        vertx.setTimer(
            ackTimeoutMs,
            id -> {
              p.timer = -1;
              if (pending.get(p.clientMsgId) == p) {
                transmit(p);
              }
            });
  }

  private void cancel(Pending p) {
    if (p.timer != -1) {
      vertx.cancelTimer(p.timer);
      p.timer = -1;
    }
  }
}
