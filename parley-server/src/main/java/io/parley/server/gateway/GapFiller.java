package io.parley.server.gateway;

import io.parley.server.conversation.Visibility;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.delivery.Outbound;
import io.parley.server.messaging.MessageJson;
import io.parley.server.messaging.StoredMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers live message frames a device did not get, from the store (the source of truth, never
 * pub/sub). In a cluster, frames of one conversation committed on different nodes reach a node by
 * different paths, and the broker may drop frames (a Redis outage, a full queue). Two triggers:
 *
 * <ul>
 *   <li><b>A seq gap</b>: a connection gets a frame past the next expected seq; the missing range
 *       is read on a worker and sent before the frames held behind the gap.
 *   <li><b>A lost tail</b> ({@link #checkTails}, run periodically in cluster mode): when the lost
 *       message is the last one of its conversation, no later frame reveals the gap. Each round
 *       reads the last committed seq of the conversations that had live traffic on this node
 *       recently ({@code activeRounds}), in one query; a connection still behind a seq the store
 *       already had one round earlier gets the missing range from the store. A frame still in
 *       flight therefore has a full round to arrive before it counts as lost.
 * </ul>
 *
 * <p>Not covered by the tail check: a conversation without live traffic on this node for {@code
 * activeRounds} rounds, or one a connection has no live position in yet (its first live frame was
 * the lost one). Such a device gets the message from its stored position at its next (re)connect
 * sync, or with the next message of that conversation.
 */
public final class GapFiller {
  private static final Logger log = LoggerFactory.getLogger(GapFiller.class);
  private static final int MAX = 1000;

  private final Visibility visibility;
  private final ConversationStore conversations;
  private final Executor workers;
  private final int activeRounds;
  // conversation id -> round of its last live frame on this node
  private final ConcurrentHashMap<Long, Long> active = new ConcurrentHashMap<>();
  private final AtomicBoolean checking = new AtomicBoolean();
  private final LongAdder gapFills = new LongAdder();
  private final LongAdder tailFills = new LongAdder();
  private volatile long round;
  // connection -> conversation -> store's last seq it was behind last round (checking thread only)
  private Map<Connection, Map<Long, Long>> behindLastRound = new HashMap<>();

  /**
   * @param activeRounds rounds a conversation stays under the tail check after its last live frame
   */
  public GapFiller(
      Visibility visibility, ConversationStore conversations, Executor workers, int activeRounds) {
    this.visibility = visibility;
    this.conversations = conversations;
    this.workers = workers;
    this.activeRounds = activeRounds;
  }

  /** Ranges fetched from the store, for gaps and lost tails. */
  public long gapFills() {
    return gapFills.sum();
  }

  /** Ranges fetched by the tail check (lost last messages). */
  public long tailFills() {
    return tailFills.sum();
  }

  /** A live frame of {@code conv} reached a connection of this node (hot path: usually a read). */
  void live(long conv) {
    long r = round;
    Long seen = active.get(conv);
    if (seen == null || seen != r) {
      active.put(conv, r);
    }
  }

  /**
   * One round of the tail check over {@code connections}; call it periodically, off the event
   * loops. Overlapping calls return at once.
   */
  public void checkTails(ConnectionRegistry connections) {
    if (!checking.compareAndSet(false, true)) {
      return;
    }
    try {
      long now = round + 1; // written only here, under the checking flag
      round = now;
      active.entrySet().removeIf(e -> now - e.getValue() > activeRounds);
      if (active.isEmpty()) {
        behindLastRound = new HashMap<>();
        return;
      }
      Map<Long, Long> stored = conversations.lastSeqs(List.copyOf(active.keySet()));
      Map<Connection, Map<Long, Long>> behindNow = new HashMap<>();
      Map<Connection, Map<Long, Long>> before = behindLastRound;
      connections.forEach(
          c -> {
            Map<Long, Long> behind = c.behind(stored);
            if (behind.isEmpty()) {
              return;
            }
            Map<Long, Long> then = before.getOrDefault(c, Map.of());
            for (Map.Entry<Long, Long> e : behind.entrySet()) {
              long conv = e.getKey();
              Long storedThen = then.get(conv);
              if (storedThen != null && e.getValue() < storedThen && c.fillTail(conv, storedThen)) {
                tailFills.increment();
                log.info(
                    "device {} missed the live frames of conversation {} after seq {}:"
                        + " recovering up to seq {} from the store",
                    c.deviceId(),
                    conv,
                    e.getValue(),
                    storedThen);
              } else {
                behindNow.computeIfAbsent(c, k -> new HashMap<>()).put(conv, stored.get(conv));
              }
            }
          });
      behindLastRound = behindNow;
    } catch (RuntimeException e) {
      log.warn("tail check failed: {}", e.toString());
    } finally {
      checking.set(false);
    }
  }

  /** Fetches seqs {@code after < seq < before} for {@code c}, then calls back {@code gapFilled}. */
  void fill(Connection c, long conv, long after, long before) {
    gapFills.increment();
    workers.execute(
        () -> {
          List<Outbound> out = new ArrayList<>();
          try {
            List<StoredMessage> page =
                visibility.range(
                    visibility.ranges(conv, c.userId()),
                    conv,
                    after,
                    before,
                    (int) Math.min(MAX, before - after),
                    false);
            if (page.size() == MAX && before - after - 1 > MAX) {
              // too far behind for a live fill: the device resyncs from its stored position
              c.close(io.parley.protocol.CloseCodes.RESTARTING, "too far behind, reconnect");
              return;
            }
            for (StoredMessage m : page) {
              if (m.senderDeviceId() != c.deviceId()) {
                out.add(new Outbound(MessageJson.frame(m), conv, m.seq()));
              }
            }
          } catch (RuntimeException e) {
            log.warn("gap fill failed for device {}: reconnecting it", c.deviceId(), e);
            c.close(io.parley.protocol.CloseCodes.RESTARTING, "gap fill failed, reconnect");
            return;
          }
          c.gapFilled(conv, out, before);
        });
  }
}
