package io.parley.server.gateway;

import io.parley.protocol.CloseCodes;
import io.parley.server.delivery.Outbound;
import io.parley.server.presence.PresenceSubscriber;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicLongFieldUpdater;

/**
 * One authenticated connection of a device: a WebSocket or a Server-Sent Events stream, whichever
 * {@link Transport} carries it. Registry, broker, sync, presence, revocation, heartbeats and drain
 * see only this class, so they work the same for both.
 *
 * <p>Outbound frames may be offered from any thread; they go through a lock-free queue bounded in
 * bytes and are written by a single writer, the transport's thread (a channel's event loop): a
 * batch of frames, then one flush, while the transport is writable. When its buffer passes its high
 * water mark the writer stops, and the transport's writability event (the client read some) resumes
 * it ({@link #drain}). A client that stops reading fills the socket, then the queue, and is closed
 * as a slow consumer (4413; its stored position lets it resume without loss), so one client can
 * never grow the heap unbounded.
 *
 * <p>While the device's offline backlog is replayed ({@link #syncing}), live message frames are
 * parked in a bounded buffer and released in seq order afterwards, dropping copies the replay
 * already sent; that closes the gap between backlog and live traffic.
 *
 * <p>Kept small on purpose (heap per idle connection is a target): shared limits live in {@link
 * Limits}, flags in one int, the sync buffer exists only while syncing.
 */
// Netty writes are fire-and-forget by design: failures surface through listeners or the
// channel closing, not through the returned futures
@SuppressWarnings("FutureReturnValueIgnored")
public final class Connection implements PresenceSubscriber {
  private static final CompletableFuture<Void> IDLE = CompletableFuture.completedFuture(null);
  private static final int DRAIN_SCHEDULED = 1;
  private static final int CLOSED = 2;
  private static final int GONE = 4;
  private static final int CLOSE_SENT = 8;
  private static final int FLUSH_PENDING = 16;
  private static final AtomicIntegerFieldUpdater<Connection> FLAGS =
      AtomicIntegerFieldUpdater.newUpdater(Connection.class, "flags");
  private static final AtomicLongFieldUpdater<Connection> QUEUED =
      AtomicLongFieldUpdater.newUpdater(Connection.class, "queuedBytes");
  private static final java.util.concurrent.atomic.AtomicReferenceFieldUpdater<Connection, Runnable>
      WHEN_DRAINED =
          java.util.concurrent.atomic.AtomicReferenceFieldUpdater.newUpdater(
              Connection.class, Runnable.class, "whenDrained");

  /** Settings shared by every connection of a node. */
  public record Limits(long maxQueuedBytes, int maxSyncBuffer) {}

  private final Transport t;
  private final long userId;
  private final long deviceId;
  private final Limits limits;
  private final Runnable drainTask = this::drain;

  private final ConcurrentLinkedQueue<Object> queue =
      new ConcurrentLinkedQueue<>(); // String|Outbound
  private volatile long queuedBytes;
  private volatile int flags;
  private volatile Runnable onGone;
  private volatile Runnable whenDrained;

  private volatile boolean syncing = true;
  private ArrayDeque<Outbound> syncBuffer; // guarded by this, null unless frames are parked
  // live order per conversation (guarded by this): highest seq sent, frames held behind a gap
  private final java.util.HashMap<Long, Long> lastSent = new java.util.HashMap<>();
  private final java.util.HashMap<Long, java.util.PriorityQueue<Outbound>> heldBehindGap =
      new java.util.HashMap<>();
  private volatile GapFiller gaps;
  private boolean syncOverflow; // guarded by this

  private volatile long lastActivity;
  private volatile long lastPing;
  // event-loop confined
  private CompletableFuture<Void> serialTail = IDLE;
  private long errorWindowStart; // guarded by this
  private int errorsInWindow; // guarded by this

  public Connection(Transport t, long userId, long deviceId, Limits limits, long now) {
    this.t = t;
    this.userId = userId;
    this.deviceId = deviceId;
    this.limits = limits;
    this.lastActivity = now;
  }

  @Override
  public long userId() {
    return userId;
  }

  public long deviceId() {
    return deviceId;
  }

  /** The client's address (its IP for per-address limits). */
  public InetSocketAddress remoteAddress() {
    return t.remoteAddress();
  }

  @Override
  public boolean isClosed() {
    return (flags & CLOSED) != 0;
  }

  long queuedBytes() {
    return queuedBytes;
  }

  /**
   * Runs {@code then} once, when every frame queued so far has been handed to the transport or the
   * connection is closed (at once, on this thread, if that is already so); else on the transport's
   * thread, so it must only hand work on. One at a time (a backlog replay waiting for a slow
   * client).
   */
  void whenDrained(Runnable then) {
    whenDrained = then;
    if (queue.isEmpty() || isClosed()) {
      fireDrained();
    }
  }

  private void fireDrained() {
    Runnable r = WHEN_DRAINED.getAndSet(this, null);
    if (r != null) {
      r.run();
    }
  }

  long lastActivity() {
    return lastActivity;
  }

  Transport transport() {
    return t;
  }

  /** No serial task is pending, so work may run inline without overtaking an earlier frame. */
  boolean serialIdle() {
    return serialTail.isDone();
  }

  /** Runs blocking work for this connection on {@code pool}, after its earlier serial work. */
  void runSerial(Executor pool, Runnable task) {
    serialTail = serialTail.thenRunAsync(task, pool).exceptionally(t -> null);
  }

  /**
   * Like {@link #runSerial}, but {@code task} also waits for {@code gate} (a decision on its way,
   * such as a cluster-wide rate limit); later serial work waits for {@code task}.
   */
  void runSerialAfter(CompletionStage<?> gate, Executor pool, Runnable task) {
    serialTail =
        serialTail
            .thenCombine(gate, (a, b) -> null)
            .thenRunAsync(task, pool)
            .exceptionally(t -> null);
  }

  /** Counts a bad frame; returns the count within the current window. */
  synchronized int countError(long now, long windowMs) {
    if (now - errorWindowStart > windowMs) {
      errorWindowStart = now;
      errorsInWindow = 0;
    }
    return ++errorsInWindow;
  }

  /** True (and records the ping) if no ping went out in the last heartbeat interval. */
  boolean pingDue(long now, long heartbeatMs) {
    if (now - lastPing >= heartbeatMs) {
      lastPing = now;
      return true;
    }
    return false;
  }

  /** The client showed it is alive (any inbound frame; an SSE heartbeat that was not held up). */
  public void touch(long now) {
    lastActivity = now;
  }

  /** Sends a heartbeat (WebSocket ping, SSE comment), from any thread. */
  void ping() {
    t.execute(
        () -> {
          if (!isClosed()) {
            t.ping();
          }
        });
  }

  /**
   * Offers a frame from any thread; message frames are parked while syncing. Inside a {@link
   * FanOut#batch} the frame is handed to this connection's writer thread with the batch.
   */
  @Override
  public void offer(Outbound frame) {
    if (!isClosed() && !FanOut.collect(this, frame)) {
      offerNow(frame);
    }
  }

  /** This device's own message was stored: its ack, in commit order with the frames around it. */
  void ack(long conversationId, long seq, String json) {
    Ack a = new Ack(conversationId, seq, json);
    if (!isClosed() && !FanOut.collect(this, a)) {
      deliverNow(a);
    }
  }

  private record Ack(long conversationId, long seq, String json) {}

  /** Delivers an item collected by {@link FanOut}: an {@link Outbound}, a String or an ack. */
  void deliverNow(Object item) {
    if (isClosed()) {
      return;
    }
    if (item instanceof Outbound o) {
      offerNow(o);
    } else if (item instanceof Ack a) {
      ownMessage(a.conversationId(), a.seq());
      enqueue(a.json(), a.json().length());
    } else {
      String json = (String) item;
      enqueue(json, json.length());
    }
  }

  private void offerNow(Outbound frame) {
    if (frame.isMessage() && syncing) {
      synchronized (this) {
        if (syncing) {
          if (syncBuffer == null) {
            syncBuffer = new ArrayDeque<>();
          }
          if (syncBuffer.size() < limits.maxSyncBuffer()) {
            syncBuffer.add(frame);
          } else {
            syncOverflow = true;
          }
          return;
        }
      }
    }
    if (frame.isMessage() && gaps != null) {
      offerInOrder(frame);
      return;
    }
    enqueue(frame);
  }

  /** Fills seq gaps of live message frames from the store ({@link GapFiller}); null: no check. */
  void setGapFiller(GapFiller gaps) {
    this.gaps = gaps;
  }

  /**
   * Sends a live message frame in seq order: a frame at or below what was sent is a duplicate and
   * dropped; a frame past a gap is held while the missing range is read from the store (the frames
   * of a cluster reach a node by different paths, and the broker may drop some).
   */
  private synchronized void offerInOrder(Outbound f) {
    long conv = f.conversationId();
    gaps.live(conv);
    java.util.PriorityQueue<Outbound> held = heldBehindGap.get(conv);
    if (held != null) {
      held.add(f);
      return;
    }
    Long last = lastSent.get(conv);
    if (last == null || f.seq() == last + 1) {
      lastSent.put(conv, f.seq());
      enqueue(f);
    } else if (f.seq() > last + 1) {
      held = new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Outbound::seq));
      held.add(f);
      heldBehindGap.put(conv, held);
      gaps.fill(this, conv, last, f.seq());
    }
  }

  /**
   * The conversations of {@code lastStored} (conversation id to its last committed seq) where this
   * connection's live position is behind, with that position; conversations being filled or without
   * a live position are left out ({@link GapFiller#checkTails}).
   */
  synchronized Map<Long, Long> behind(Map<Long, Long> lastStored) {
    Map<Long, Long> out = null;
    for (Map.Entry<Long, Long> e : lastSent.entrySet()) {
      Long stored = lastStored.get(e.getKey());
      if (stored != null && e.getValue() < stored && !heldBehindGap.containsKey(e.getKey())) {
        if (out == null) {
          out = new java.util.HashMap<>();
        }
        out.put(e.getKey(), e.getValue());
      }
    }
    return out == null ? Map.of() : out;
  }

  /**
   * Recovers the seqs after this connection's live position up to {@code upTo} from the store, as a
   * gap with nothing held behind it yet (frames arriving meanwhile wait behind it). False if the
   * connection moved past {@code upTo} or a fill is already running.
   */
  synchronized boolean fillTail(long conv, long upTo) {
    Long last = lastSent.get(conv);
    if (last == null || last >= upTo || heldBehindGap.containsKey(conv) || isClosed()) {
      return false;
    }
    heldBehindGap.put(
        conv, new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Outbound::seq)));
    gaps.fill(this, conv, last, upTo + 1);
    return true;
  }

  /** This device's own message was stored with {@code seq} (it gets an ack, not the frame). */
  synchronized void ownMessage(long conversationId, long seq) {
    Long last = lastSent.get(conversationId);
    if (last != null && seq == last + 1 && !heldBehindGap.containsKey(conversationId)) {
      lastSent.put(conversationId, seq);
    }
  }

  /**
   * The messages read from the store for the gap {@code (after, before)} (those of this device
   * excluded): sends them, then the frames held behind the gap, in seq order.
   */
  synchronized void gapFilled(long conv, List<Outbound> fetched, long before) {
    long last = lastSent.getOrDefault(conv, 0L);
    for (Outbound m : fetched) {
      if (m.seq() > last) {
        enqueue(m);
        last = m.seq();
      }
    }
    last = Math.max(last, before - 1); // anything else in the gap is not this device's to get
    java.util.PriorityQueue<Outbound> held = heldBehindGap.remove(conv);
    while (held != null && !held.isEmpty()) {
      Outbound f = held.poll();
      if (f.seq() <= last) {
        continue;
      }
      if (f.seq() == last + 1) {
        enqueue(f);
        last = f.seq();
      } else {
        held.add(f);
        heldBehindGap.put(conv, held);
        lastSent.put(conv, last);
        gaps.fill(this, conv, last, f.seq());
        return;
      }
    }
    lastSent.put(conv, last);
  }

  /** Sends a frame now, bypassing the sync buffer (replies, backlog); joins a {@link FanOut}. */
  public void send(String json) {
    if (!isClosed() && !FanOut.collect(this, json)) {
      enqueue(json, json.length());
    }
  }

  /**
   * Ends the sync phase if no live frame was dropped for lack of room: releases parked frames newer
   * than {@code replayed} (conversation id to highest seq replayed) and goes live. Returns false,
   * leaving the connection syncing with an empty buffer, if frames overflowed the buffer; the
   * caller then replays again from {@code replayed}. {@code syncedFrame} is queued right after the
   * released frames, before any later live frame.
   */
  synchronized boolean finishSync(Map<Long, Long> replayed, String syncedFrame) {
    if (syncOverflow) {
      syncOverflow = false;
      syncBuffer = null;
      return false;
    }
    if (gaps != null) {
      // what the replay sent is where live order continues; parked frames go through the gap
      // check (a message committed elsewhere after the replay read the store may be missing
      // before the first parked frame). Set before the parked frames, never after: they may
      // already have moved a conversation past the replay.
      lastSent.putAll(replayed);
      if (syncBuffer != null) {
        ArrayDeque<Outbound> parked = syncBuffer;
        syncBuffer = null;
        for (Outbound f : parked) {
          offerInOrder(f);
        }
      }
    } else if (syncBuffer != null) {
      for (Outbound f : syncBuffer) {
        Long seen = replayed.get(f.conversationId());
        if (seen == null || f.seq() > seen) {
          enqueue(f);
          replayed.put(f.conversationId(), f.seq());
        }
      }
      syncBuffer = null;
    }
    enqueue(syncedFrame, syncedFrame.length());
    syncing = false;
    return true;
  }

  private void enqueue(Outbound frame) {
    enqueue(frame, frame.json().length());
  }

  /** Queues a String or an {@link Outbound} of {@code size} chars for the writer. */
  private void enqueue(Object frame, int size) {
    FanOut.Task task = FanOut.running();
    if (task != null && (flags & (DRAIN_SCHEDULED | CLOSED)) == 0 && queue.isEmpty()) {
      // a fan-out task on this connection's own thread, nothing queued before: write at once,
      // the task flushes each connection it wrote to once at its end
      if (t.isWritable()) {
        write(frame);
        if (setFlag(FLUSH_PENDING)) {
          task.written(this);
        }
        return;
      }
    }
    long queued = QUEUED.addAndGet(this, size);
    if (queued > limits.maxQueuedBytes()) {
      close(CloseCodes.SLOW_CONSUMER, "slow consumer");
      return;
    }
    queue.add(frame);
    if (setFlag(DRAIN_SCHEDULED)) {
      t.execute(drainTask);
    }
  }

  /**
   * Writes queued frames while the transport is writable, then flushes once. Runs on the
   * transport's thread; called after an offer and again when the transport becomes writable.
   */
  public void drain() {
    clearFlag(DRAIN_SCHEDULED);
    if (isClosed()) {
      return;
    }
    int written = 0;
    long bytes = 0;
    while (t.isWritable()) {
      Object f = queue.poll();
      if (f == null) {
        break;
      }
      bytes += write(f);
      written++;
    }
    if (bytes > 0) {
      QUEUED.addAndGet(this, -bytes);
    }
    if (written > 0) {
      t.flush();
    }
    if (whenDrained != null && queue.isEmpty()) {
      fireDrained();
    }
  }

  /** Writes a String or an {@link Outbound} to the transport; returns its size in chars. */
  private int write(Object f) {
    if (f instanceof String s) {
      t.write(s);
      return s.length();
    }
    Outbound o = (Outbound) f;
    t.write(o);
    return o.json().length();
  }

  /** Flushes what a fan-out task wrote directly (on the transport's thread, once per task). */
  void flushWritten() {
    clearFlag(FLUSH_PENDING);
    if (!isClosed()) {
      t.flush();
    }
  }

  /** Closes the socket with a code (idempotent); queued frames are dropped. */
  public void close(short code, String reason) {
    if (setFlag(CLOSED)) {
      queue.clear();
      QUEUED.set(this, 0);
      fireDrained();
      t.execute(
          () -> {
            if (setFlag(CLOSE_SENT)) {
              t.close(code, reason);
            }
          });
    }
  }

  /** Closes with {@code code} after {@code delayMs} (graceful drain), from any thread. */
  void closeAfter(long delayMs, short code, String reason) {
    t.schedule(() -> close(code, reason), delayMs);
  }

  /**
   * Marks the connection closed from the transport's side (a protocol violation, the peer's close
   * frame) and drops queued frames; returns true if no close was sent yet, so the caller sends it.
   */
  boolean closing() {
    setFlag(CLOSED);
    queue.clear();
    QUEUED.set(this, 0);
    fireDrained();
    return setFlag(CLOSE_SENT);
  }

  /** Sets what to do, once, when the connection is gone (unregister, presence). */
  public void onGone(Runnable cleanup) {
    this.onGone = cleanup;
  }

  /** The transport ended: drop queued frames and run the cleanup exactly once (any thread). */
  public void gone() {
    setFlag(CLOSED);
    queue.clear();
    QUEUED.set(this, 0);
    fireDrained();
    synchronized (this) {
      syncBuffer = null;
    }
    Runnable cleanup = onGone;
    if (setFlag(GONE) && cleanup != null) {
      cleanup.run();
    }
  }

  /** Sets a flag; true if this call set it. */
  private boolean setFlag(int flag) {
    while (true) {
      int f = flags;
      if ((f & flag) != 0) {
        return false;
      }
      if (FLAGS.compareAndSet(this, f, f | flag)) {
        return true;
      }
    }
  }

  private void clearFlag(int flag) {
    while (true) {
      int f = flags;
      if ((f & flag) == 0 || FLAGS.compareAndSet(this, f, f & ~flag)) {
        return;
      }
    }
  }
}
