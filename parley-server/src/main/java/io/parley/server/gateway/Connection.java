package io.parley.server.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.parley.protocol.CloseCodes;
import io.parley.server.delivery.Outbound;
import io.vertx.core.Context;
import io.vertx.core.http.ServerWebSocket;
import io.vertx.core.http.impl.WebSocketImplBase;
import java.util.ArrayDeque;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One authenticated WebSocket of a device.
 *
 * <p>Outbound frames may be offered from any thread; they go through a lock-free queue bounded in
 * bytes and are written by a single writer, the connection's event loop. A client that stops
 * reading fills the socket, then the queue, and is disconnected as a slow consumer (its stored
 * position lets it resume without loss), so one client can never grow the heap unbounded.
 *
 * <p>While the device's offline backlog is replayed ({@link #syncing}), live message frames are
 * parked in a bounded buffer and released in seq order afterwards, dropping copies the replay
 * already sent; that closes the gap between backlog and live traffic.
 */
public final class Connection {
  /** How long a closing peer gets to answer the close handshake before the socket is cut. */
  private static final long FORCE_CLOSE_MS = 3_000;

  private final ServerWebSocket ws;
  private final Context context;
  private final long userId;
  private final long deviceId;
  private final long maxQueuedBytes;
  private final int maxSyncBuffer;

  private final ConcurrentLinkedQueue<String> queue = new ConcurrentLinkedQueue<>();
  private final AtomicLong queuedBytes = new AtomicLong();
  private final AtomicBoolean drainScheduled = new AtomicBoolean();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final AtomicBoolean goneOnce = new AtomicBoolean();
  private volatile Runnable onGone;

  private final Object syncLock = new Object();
  private volatile boolean syncing = true;
  private final ArrayDeque<Outbound> syncBuffer = new ArrayDeque<>();
  private boolean syncOverflow;

  private volatile long lastActivity;
  // event-loop confined
  private java.util.concurrent.CompletableFuture<Void> serialTail =
      java.util.concurrent.CompletableFuture.completedFuture(null);
  private long errorWindowStart;
  private int errorsInWindow;
  private volatile long lastPing;

  Connection(
      ServerWebSocket ws,
      Context context,
      long userId,
      long deviceId,
      long maxQueuedBytes,
      int maxSyncBuffer,
      long now) {
    this.ws = ws;
    this.context = context;
    this.userId = userId;
    this.deviceId = deviceId;
    this.maxQueuedBytes = maxQueuedBytes;
    this.maxSyncBuffer = maxSyncBuffer;
    this.lastActivity = now;
  }

  public long userId() {
    return userId;
  }

  public long deviceId() {
    return deviceId;
  }

  public boolean isClosed() {
    return closed.get();
  }

  long queuedBytes() {
    return queuedBytes.get();
  }

  long lastActivity() {
    return lastActivity;
  }

  /** No serial task is pending, so work may run inline without overtaking an earlier frame. */
  boolean serialIdle() {
    return serialTail.isDone();
  }

  /** Runs blocking work for this connection on {@code pool}, after its earlier serial work. */
  void runSerial(java.util.concurrent.Executor pool, Runnable task) {
    serialTail = serialTail.thenRunAsync(task, pool).exceptionally(t -> null);
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

  void touch(long now) {
    lastActivity = now;
  }

  ServerWebSocket socket() {
    return ws;
  }

  Context context() {
    return context;
  }

  /** Offers a frame from any thread; message frames are parked while syncing. */
  public void offer(Outbound frame) {
    if (closed.get()) {
      return;
    }
    if (frame.isMessage() && syncing) {
      synchronized (syncLock) {
        if (syncing) {
          if (syncBuffer.size() < maxSyncBuffer) {
            syncBuffer.add(frame);
          } else {
            syncOverflow = true;
          }
          return;
        }
      }
    }
    enqueue(frame.json());
  }

  /** Sends a frame now, bypassing the sync buffer (replies, backlog). */
  public void send(String json) {
    if (!closed.get()) {
      enqueue(json);
    }
  }

  /**
   * Ends the sync phase if no live frame was dropped for lack of room: releases parked frames newer
   * than {@code replayed} (conversation id to highest seq replayed) and goes live. Returns false,
   * leaving the connection syncing with an empty buffer, if frames overflowed the buffer; the
   * caller then replays again from {@code replayed}. {@code syncedFrame} is queued right after the
   * released frames, before any later live frame.
   */
  boolean finishSync(Map<Long, Long> replayed, String syncedFrame) {
    synchronized (syncLock) {
      if (syncOverflow) {
        syncOverflow = false;
        syncBuffer.clear();
        return false;
      }
      for (Outbound f : syncBuffer) {
        Long seen = replayed.get(f.conversationId());
        if (seen == null || f.seq() > seen) {
          enqueue(f.json());
          replayed.put(f.conversationId(), f.seq());
        }
      }
      syncBuffer.clear();
      enqueue(syncedFrame);
      syncing = false;
      return true;
    }
  }

  private void enqueue(String json) {
    long queued = queuedBytes.addAndGet(json.length());
    if (queued > maxQueuedBytes) {
      close(CloseCodes.SLOW_CONSUMER, "slow consumer");
      return;
    }
    queue.add(json);
    if (drainScheduled.compareAndSet(false, true)) {
      context.runOnContext(v -> drain());
    }
  }

  private void drain() {
    drainScheduled.set(false);
    if (closed.get()) {
      return;
    }
    if (ws instanceof WebSocketImplBase<?> impl) {
      // write the whole batch through the pipeline (same encoders Vert.x uses), flush once
      ChannelHandlerContext ch = impl.channelHandlerContext();
      int written = 0;
      try {
        while (ch.channel().isWritable()) {
          String s = queue.poll();
          if (s == null) {
            return;
          }
          queuedBytes.addAndGet(-s.length());
          ch.write(new TextWebSocketFrame(s), ch.voidPromise());
          written++;
        }
      } finally {
        if (written > 0) {
          ch.flush();
        }
      }
    } else {
      while (!ws.writeQueueFull()) {
        String s = queue.poll();
        if (s == null) {
          return;
        }
        queuedBytes.addAndGet(-s.length());
        ws.writeTextMessage(s);
      }
    }
    // socket full: resume when the client has read some
    ws.drainHandler(
        v -> {
          if (drainScheduled.compareAndSet(false, true)) {
            drain();
          }
        });
  }

  /** Closes the socket with a code (idempotent); queued frames are dropped. */
  public void close(short code, String reason) {
    if (closed.compareAndSet(false, true)) {
      queue.clear();
      queuedBytes.set(0);
      context.runOnContext(
          v -> {
            if (!ws.isClosed()) {
              ws.close(code, reason);
              // a peer that does not read never receives the close frame: cut the TCP
              // connection once the grace period is over so its buffers are released
              context.owner().setTimer(FORCE_CLOSE_MS, t -> forceClose());
            }
          });
    }
  }

  private void forceClose() {
    // ws.isClosed() is already true once the close frame is queued; look at the channel
    if (ws instanceof WebSocketImplBase<?> impl
        && impl.channelHandlerContext().channel().isOpen()) {
      impl.channelHandlerContext().channel().close();
      // Vert.x does not report a close it did not complete itself: clean up here
      gone();
    }
  }

  /** Sets what to do, once, when the connection is gone (unregister, presence). */
  void onGone(Runnable cleanup) {
    this.onGone = cleanup;
  }

  /** The socket is closed: drop queued frames and run the cleanup exactly once. */
  void gone() {
    markClosed();
    if (goneOnce.compareAndSet(false, true) && onGone != null) {
      onGone.run();
    }
  }

  private void markClosed() {
    closed.set(true);
    queue.clear();
    synchronized (syncLock) {
      syncBuffer.clear();
    }
  }
}
