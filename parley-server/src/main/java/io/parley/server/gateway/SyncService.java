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
import java.util.ArrayDeque;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;

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
 * one query for the receipts that changed since the device's watermark; the watermark moves in a
 * write batched with other devices' ({@link SyncWatermarks}). Runs on a worker thread; it throttles
 * itself to the client's reading speed rather than fill the connection's queue.
 */
public final class SyncService {
  private static final int PAGE = 500;

  private final SyncQueries queries;
  private final Visibility visibility;
  private final long throttleBytes;
  private final SyncWatermarks watermarks;
  private final Executor workers;

  /** More connects and replay steps a second than this make a reconnect wave. */
  static final int WAVE_PER_SECOND = 100;

  private final ConnectWave wave = new ConnectWave(WAVE_PER_SECOND, System::nanoTime);

  /**
   * @param workers runs the replays and the batched watermark writes ({@link SyncWatermarks})
   */
  public SyncService(
      SyncQueries queries, Visibility visibility, long throttleBytes, Executor workers) {
    this.queries = queries;
    this.visibility = visibility;
    this.throttleBytes = throttleBytes;
    this.workers = workers;
    this.watermarks = new SyncWatermarks(queries, workers);
  }

  /** Notes a WebSocket connect starting (its token check and replay are to come). */
  public void noteConnect() {
    wave.note();
  }

  /**
   * Whether a reconnect wave is being served (see {@link ConnectWave}): background work (search
   * indexing) should wait for it.
   */
  public boolean inConnectWave() {
    return wave.active();
  }

  /** Writes the receipt watermarks not written yet (on stop). */
  public void close() {
    watermarks.flushAll();
  }

  /**
   * Replays the backlog to {@code c} and switches it live, on the workers; a conversation's replay
   * starts after {@code resumeAfter}'s seq where that is ahead of the device's own starting point
   * (what an SSE client saw last). {@code failed} is called if the replay fails.
   */
  public void start(Connection c, Map<Long, Long> resumeAfter, Consumer<RuntimeException> failed) {
    workers.execute(new Replay(c, resumeAfter, failed));
  }

  // --- F16: metrics ---
  private volatile io.parley.server.ops.Metrics metrics;

  /** Counts replayed message frames ({@code parley_frames_out_total{type="message"}}). */
  public void setMetrics(io.parley.server.ops.Metrics metrics) {
    this.metrics = metrics;
  }

  /**
   * One device's replay, resumable: run it until it is done, or until it is {@code throttleBytes}
   * ahead of the client, when it asks the connection to run it again once drained. Runs on one
   * thread at a time (each run is handed on by the previous one).
   */
  private final class Replay implements Runnable {
    private final Connection c;
    private final Map<Long, Long> resumeAfter;
    private final Consumer<RuntimeException> failed;
    private final Map<Long, Long> replayed = new HashMap<>();
    private List<Changed> changed; // null: (re)start a pass
    private Map<Long, List<SeqRange>> visible;
    private int next; // index into changed
    private long conversation = -1; // being replayed, or -1
    private long after; // last seq sent (or the starting point) in it
    private final ArrayDeque<StoredMessage> page = new ArrayDeque<>();
    private boolean morePages;

    Replay(Connection c, Map<Long, Long> resumeAfter, Consumer<RuntimeException> failed) {
      this.c = c;
      this.resumeAfter = resumeAfter;
      this.failed = failed;
    }

    @Override
    public void run() {
      wave.note();
      try {
        step();
      } catch (RuntimeException e) {
        failed.accept(e);
      }
    }

    private void step() {
      while (!c.isClosed()) {
        if (!page.isEmpty()) {
          if (c.queuedBytes() > throttleBytes) {
            c.whenDrained(this::resume);
            return;
          }
          StoredMessage m = page.poll();
          c.send(MessageJson.frame(m));
          after = m.seq();
        } else if (conversation >= 0 && morePages) {
          fetch();
        } else if (conversation >= 0) {
          replayed.put(conversation, after);
          conversation = -1;
        } else if (changed == null) {
          changed = queries.changed(c.userId(), c.deviceId());
          visible = changed.isEmpty() ? Map.of() : visibility.ranges(c.userId());
          next = 0;
        } else if (next < changed.size()) {
          Changed ch = changed.get(next++);
          conversation = ch.conversationId();
          // a second pass (after a sync-buffer overflow) goes on from what the first sent
          after =
              Math.max(
                  Math.max(ch.fromSeq(), resumeAfter.getOrDefault(conversation, 0L)),
                  replayed.getOrDefault(conversation, 0L));
          fetch();
        } else {
          long receiptsAsOf = System.currentTimeMillis();
          watermarks.flush(c.deviceId()); // a quick reconnect: its last sync's mark first
          sendReceipts(c, queries.receipts(c.userId(), c.deviceId()));
          if (c.finishSync(replayed, Json.write(Frames.Bare.SYNCED))) {
            watermarks.mark(c.deviceId(), receiptsAsOf);
            return;
          }
          // live frames overflowed the sync buffer while replaying: replay again from here
          changed = null;
        }
      }
    }

    /** The next page of the conversation's visible messages (never those from while out). */
    private void fetch() {
      List<StoredMessage> p =
          visibility.range(
              visible.getOrDefault(conversation, List.of()),
              conversation,
              after,
              Long.MAX_VALUE,
              PAGE,
              false);
      page.addAll(p);
      morePages = p.size() == PAGE;
      io.parley.server.ops.Metrics mt = metrics;
      if (mt != null && !p.isEmpty()) {
        mt.framesOut("message", p.size());
      }
    }

    /** The connection drained (or closed): go on, on a worker. */
    private void resume() {
      try {
        workers.execute(this);
      } catch (RejectedExecutionException e) {
        c.close(io.parley.protocol.CloseCodes.RESTARTING, "node stopping");
      }
    }
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
