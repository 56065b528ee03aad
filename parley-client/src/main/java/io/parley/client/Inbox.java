package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.MessageView;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;

/**
 * Thread-safe record of what a {@link ParleyClient} received: messages per conversation (deduped by
 * {@code message_id}), counters and, optionally, recent raw frames. Written by the event loop, read
 * from any thread.
 */
public final class Inbox {
  private final boolean keep;
  private final int maxFrames;
  private final Map<String, List<MessageView>> byConversation = new ConcurrentHashMap<>();
  private final Map<String, Boolean> seen;
  private final ArrayDeque<JsonNode> frames = new ArrayDeque<>();
  private final AtomicLong received = new AtomicLong();
  private final AtomicLong duplicates = new AtomicLong();

  /** Notified whenever something is recorded, for {@link #await} (no polling). */
  private final Object changed = new Object();

  Inbox(boolean keep, int dedupeCapacity, int maxFrames) {
    this.keep = keep;
    this.maxFrames = maxFrames;
    this.seen =
        new LinkedHashMap<>(1024, 0.75f, false) {
          private static final long serialVersionUID = 1L;

          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > dedupeCapacity;
          }
        };
  }

  /** Records {@code m}; returns false when its {@code message_id} was already seen. */
  boolean add(MessageView m) {
    synchronized (seen) {
      if (m.messageId() != null && seen.put(m.messageId(), Boolean.TRUE) != null) {
        duplicates.incrementAndGet();
        return false;
      }
    }
    received.incrementAndGet();
    if (keep) {
      List<MessageView> list =
          byConversation.computeIfAbsent(m.conversationId(), k -> new ArrayList<>());
      synchronized (list) {
        list.add(m);
      }
    }
    signal();
    return true;
  }

  void recordFrame(JsonNode frame) {
    if (!keep) {
      return;
    }
    synchronized (frames) {
      if (frames.size() >= maxFrames) {
        frames.pollFirst();
      }
      frames.addLast(frame);
    }
    signal();
  }

  private void signal() {
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  /** Distinct messages received so far. */
  public long received() {
    return received.get();
  }

  /** Redelivered messages dropped because their {@code message_id} was already seen. */
  public long duplicatesDropped() {
    return duplicates.get();
  }

  /** A snapshot of the distinct messages received in a conversation, in arrival order. */
  public List<MessageView> messages(String conversationId) {
    List<MessageView> list = byConversation.get(conversationId);
    if (list == null) {
      return List.of();
    }
    synchronized (list) {
      return List.copyOf(list);
    }
  }

  /** A snapshot of all distinct messages received, grouped by conversation id. */
  public Map<String, List<MessageView>> all() {
    Map<String, List<MessageView>> out = new LinkedHashMap<>();
    byConversation.keySet().forEach(k -> out.put(k, messages(k)));
    return out;
  }

  /** Recent raw frames (all types, oldest first), up to the configured bound. */
  public List<JsonNode> frames() {
    synchronized (frames) {
      return List.copyOf(frames);
    }
  }

  /** Recent raw frames whose {@code type} is {@code type}. */
  public List<JsonNode> frames(String type) {
    return frames().stream().filter(f -> type.equals(f.path("type").asText())).toList();
  }

  /** Blocks until {@code conversationId} holds at least {@code count} messages; returns them. */
  public List<MessageView> awaitMessages(String conversationId, int count, Duration timeout)
      throws TimeoutException, InterruptedException {
    await(() -> messages(conversationId).size() >= count, timeout, "messages in " + conversationId);
    return messages(conversationId);
  }

  /** Blocks until a frame of {@code type} has been received; returns the latest one. */
  public JsonNode awaitFrame(String type, Duration timeout)
      throws TimeoutException, InterruptedException {
    await(() -> !frames(type).isEmpty(), timeout, "frame " + type);
    List<JsonNode> f = frames(type);
    return f.get(f.size() - 1);
  }

  private void await(BooleanSupplier condition, Duration timeout, String what)
      throws TimeoutException, InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changed) {
      while (!condition.getAsBoolean()) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new TimeoutException("timed out after " + timeout + " waiting for " + what);
        }
        // woken by signal(); the bound only guards against a condition changed elsewhere
        TimeUnit.NANOSECONDS.timedWait(changed, Math.min(left, TimeUnit.MILLISECONDS.toNanos(50)));
      }
    }
  }
}
