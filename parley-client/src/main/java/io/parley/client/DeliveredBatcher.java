package io.parley.client;

import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.vertx.core.Vertx;
import java.util.HashMap;
import java.util.Map;
import java.util.function.Predicate;

/**
 * Batches automatic {@code delivered} acknowledgements: remembers the highest seq seen per
 * conversation and, after a short delay (or at {@code synced}), sends one cumulative {@code
 * delivered} per conversation that advanced. Confined to the client's Vert.x context.
 */
final class DeliveredBatcher {
  private final Vertx vertx;
  private final long delayMs;
  private final Predicate<String> wire;
  private final Map<String, Long> seen = new HashMap<>();
  private final Map<String, Long> sent = new HashMap<>();
  private long timer = -1;

  DeliveredBatcher(Vertx vertx, long delayMs, Predicate<String> wire) {
    this.vertx = vertx;
    this.delayMs = Math.max(1, delayMs);
    this.wire = wire;
  }

  void received(String conversationId, long seq) {
    seen.merge(conversationId, seq, Math::max);
    if (timer == -1) {
      timer =
          vertx.setTimer(
              delayMs,
              id -> {
                timer = -1;
                flush();
              });
    }
  }

  /** Records an explicit {@code delivered} so that the batch does not repeat it. */
  void explicitlySent(String conversationId, long seq) {
    sent.merge(conversationId, seq, Math::max);
  }

  void flush() {
    seen.forEach(
        (conv, seq) -> {
          Long done = sent.get(conv);
          if ((done == null || done < seq)
              && wire.test(Json.write(Frames.Position.delivered(conv, seq)))) {
            sent.put(conv, seq);
          }
        });
  }

  void cancel() {
    if (timer != -1) {
      vertx.cancelTimer(timer);
      timer = -1;
    }
  }
}
