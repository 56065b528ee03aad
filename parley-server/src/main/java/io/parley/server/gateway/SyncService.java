package io.parley.server.gateway;

import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.conversation.Visibility;
import io.parley.server.conversation.model.SeqRange;
import io.parley.server.messaging.MessageJson;
import io.parley.server.messaging.StoredMessage;
import io.parley.server.store.SyncQueries;
import io.parley.server.store.SyncQueries.Changed;
import io.parley.server.store.SyncQueries.MemberPositions;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Offline delivery: replays to a freshly connected device everything it has not acknowledged, per
 * conversation in seq order, then the receipt positions that changed since it last synced, then
 * {@code synced}; live frames that arrived meanwhile are released after it without gaps or
 * duplicates (see {@link Connection}).
 *
 * <p>A device's starting point in a conversation is its stored delivered position; a device with
 * none starts where the user joined if the device is older than the membership, else at what no
 * device of the user has received yet (so a newly logged-in device still gets what the user missed,
 * and pages older history over REST). Replay honours {@link Visibility} (never what was sent while
 * the user was out).
 *
 * <p>Cost is proportional to what was missed, not to the number of conversations: one query finds
 * the conversations with messages past the device's starting points ({@link SyncQueries#changed}),
 * one reads the visibility ranges (only if any changed), one range scan per changed conversation,
 * one query for the receipts that changed since the device's watermark, one write to move the
 * watermark. Runs on a worker thread; it throttles itself to the client's reading speed rather than
 * fill the connection's queue.
 */
public final class SyncService {
  private static final int PAGE = 500;

  private final SyncQueries queries;
  private final Visibility visibility;
  private final long throttleBytes;

  public SyncService(SyncQueries queries, Visibility visibility, long throttleBytes) {
    this.queries = queries;
    this.visibility = visibility;
    this.throttleBytes = throttleBytes;
  }

  /** Replays the backlog to {@code c} and switches it live. Blocks; returns frames replayed. */
  public int replay(Connection c) throws InterruptedException {
    return replay(c, Map.of());
  }

  /**
   * Like {@link #replay(Connection)}, but a conversation's replay starts after {@code
   * resumeAfter}'s seq where that is ahead of the device's own starting point (what an SSE client
   * saw last).
   */
  public int replay(Connection c, Map<Long, Long> resumeAfter) throws InterruptedException {
    int[] sent = {0};
    Map<Long, Long> replayed = new HashMap<>();
    while (true) {
      List<Changed> changed = queries.changed(c.userId(), c.deviceId());
      if (!changed.isEmpty()) {
        Map<Long, List<SeqRange>> visible = visibility.ranges(c.userId());
        for (Changed ch : changed) {
          long conv = ch.conversationId();
          // a second pass (after a sync-buffer overflow) goes on from what this one sent
          long from =
              Math.max(
                  Math.max(ch.fromSeq(), resumeAfter.getOrDefault(conv, 0L)),
                  replayed.getOrDefault(conv, 0L));
          replayed.put(
              conv, replayConversation(c, conv, from, visible.getOrDefault(conv, List.of()), sent));
          if (c.isClosed()) {
            return sent[0];
          }
        }
      }
      long receiptsAsOf = System.currentTimeMillis();
      sendReceipts(c, queries.receipts(c.userId(), c.deviceId()));
      if (c.finishSync(replayed, Json.write(Frames.Bare.SYNCED))) {
        queries.markSynced(c.deviceId(), receiptsAsOf);
        return sent[0];
      }
      // live frames overflowed the sync buffer while replaying: replay again from here
    }
  }

  // --- F16: metrics ---
  private volatile io.parley.server.ops.Metrics metrics;

  /** Counts replayed message frames ({@code parley_frames_out_total{type="message"}}). */
  public void setMetrics(io.parley.server.ops.Metrics metrics) {
    this.metrics = metrics;
  }

  /**
   * Replays the visible messages after {@code after} (never those from while out); returns the last
   * seq sent (or {@code after}).
   */
  private long replayConversation(
      Connection c, long conversationId, long after, List<SeqRange> ranges, int[] sent)
      throws InterruptedException {
    while (!c.isClosed()) {
      List<StoredMessage> page =
          visibility.range(ranges, conversationId, after, Long.MAX_VALUE, PAGE, false);
      for (StoredMessage m : page) {
        while (c.queuedBytes() > throttleBytes && !c.isClosed()) {
          TimeUnit.MILLISECONDS.sleep(2);
        }
        c.send(MessageJson.frame(m));
        after = m.seq();
        sent[0]++;
      }
      io.parley.server.ops.Metrics mt = metrics;
      if (mt != null && !page.isEmpty()) {
        mt.framesOut("message", page.size());
      }
      if (page.size() < PAGE) {
        break;
      }
    }
    return after;
  }

  /** Receipt positions that changed while the device was away, so missed ticks show up. */
  private static void sendReceipts(Connection c, List<MemberPositions> positions) {
    for (MemberPositions m : positions) {
      if (m.deliveredSeq() > 0 && m.userId() != c.userId()) {
        c.send(MessageJson.receipt(m.conversationId(), m.userId(), "delivered", m.deliveredSeq()));
      }
      if (m.readSeq() > 0) {
        c.send(MessageJson.receipt(m.conversationId(), m.userId(), "read", m.readSeq()));
      }
    }
  }
}
