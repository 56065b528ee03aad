package io.parley.server.messaging;

import io.parley.server.api.ApiException;
import io.parley.server.api.Principal;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.conversation.model.Position;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.Outbound;
import io.parley.server.messaging.MessageStore.PositionUpdates;
import io.parley.server.messaging.MessageStore.RaisedPositions;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivered and read positions. Positions are cumulative, so updates are coalesced (highest seq per
 * key wins) and handed every few milliseconds by one flusher thread to the group-commit {@link
 * MessageWriter}, which raises them in the transaction of its next message batch (or alone when no
 * message is queued): receipts add no commit of their own. A position lost in a crash only causes
 * at-least-once redelivery; stored positions never go down. After a member's position rises (once
 * committed), a {@code receipt} frame goes to the conversation's members (read receipts also reach
 * the reader's own other devices, which clears their unread counts).
 */
public final class ReceiptService implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ReceiptService.class);

  private record Key(long owner, long conversationId) {}

  private static final Comparator<Position> LOCK_ORDER =
      Comparator.comparingLong(Position::conversationId).thenComparingLong(Position::ownerId);

  private final MessageWriter writer;
  private final ConversationStore conversations;
  private final Memberships memberships;
  private final Broker broker;
  private final ConcurrentHashMap<Key, Long> devicePositions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Long> delivered = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Key, Long> read = new ConcurrentHashMap<>();
  private final Thread flusher;
  private final long intervalMs;
  private volatile boolean running = true;
  private final LongAdder flushes = new LongAdder();

  public ReceiptService(
      MessageWriter writer,
      ConversationStore conversations,
      Memberships memberships,
      Broker broker,
      long intervalMs) {
    this.writer = writer;
    this.conversations = conversations;
    this.memberships = memberships;
    this.broker = broker;
    this.intervalMs = intervalMs;
    this.flusher = new Thread(this::run, "parley-receipts");
    this.flusher.setDaemon(true);
    this.flusher.start();
  }

  /** The device has received everything up to {@code seq}. May block on a cold cache. */
  public void delivered(Principal p, long conversationId, long seq) {
    long s = check(p, conversationId, seq);
    devicePositions.merge(new Key(p.deviceId(), conversationId), s, Math::max);
    delivered.merge(new Key(p.userId(), conversationId), s, Math::max);
  }

  /** The user has read everything up to {@code seq}. May block on a cold cache. */
  public void read(Principal p, long conversationId, long seq) {
    long s = check(p, conversationId, seq);
    devicePositions.merge(new Key(p.deviceId(), conversationId), s, Math::max);
    // reading implies having received: the sender also gets its delivered tick
    delivered.merge(new Key(p.userId(), conversationId), s, Math::max);
    read.merge(new Key(p.userId(), conversationId), s, Math::max);
  }

  /**
   * As {@link #read}, then flushes at once: when this returns, the position is stored and the
   * receipts are out (REST read, whose caller expects the next request to see it). Blocks.
   */
  public void readAndFlush(Principal p, long conversationId, long seq) {
    read(p, conversationId, seq);
    flush();
  }

  private long check(Principal p, long conversationId, long seq) {
    if (seq < 0) {
      throw ApiException.invalid("seq must not be negative");
    }
    if (!memberships.isMember(conversationId, p.userId())) {
      throw ApiException.forbidden("not a member of this conversation");
    }
    long last = memberships.lastSeq(conversationId);
    if (seq > last) {
      // maybe committed elsewhere: refresh once before clamping
      last = conversations.find(conversationId).map(c -> c.lastSeq()).orElse(last);
      memberships.committed(conversationId, last);
    }
    return Math.min(seq, last);
  }

  private void run() {
    while (running) {
      try {
        TimeUnit.MILLISECONDS.sleep(intervalMs);
        flush();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("receipt flush failed", e);
      }
    }
    flush();
  }

  /**
   * Writes pending positions (in the writer's next commit, waiting for it) and emits receipts for
   * those that rose. Called by the flusher; public for shutdown.
   */
  public synchronized void flush() {
    PositionUpdates pending =
        new PositionUpdates(drain(devicePositions), drain(delivered), drain(read));
    if (pending.isEmpty()) {
      return;
    }
    flushes.increment();
    RaisedPositions raised = writer.writePositions(pending);
    for (Position p : raised.delivered()) {
      emit(p, "delivered");
    }
    for (Position p : raised.read()) {
      emit(p, "read");
    }
  }

  /** Flushes that had positions to write, for tests. */
  public long flushes() {
    return flushes.sum();
  }

  /**
   * Takes the pending updates out of {@code pending}, keeping any that raced in meanwhile; sorted,
   * so concurrent transactions (other nodes on PostgreSQL) lock rows in one order.
   */
  private static List<Position> drain(ConcurrentHashMap<Key, Long> pending) {
    List<Position> out = new ArrayList<>();
    for (Map.Entry<Key, Long> e : pending.entrySet()) {
      if (pending.remove(e.getKey(), e.getValue())) {
        out.add(new Position(e.getKey().owner(), e.getKey().conversationId(), e.getValue()));
      }
    }
    out.sort(LOCK_ORDER);
    return out;
  }

  private void emit(Position p, String status) {
    String json = MessageJson.receipt(p.conversationId(), p.ownerId(), status, p.seq());
    // to every member: the others see the tick, the user's own devices sync their state
    broker.publish(memberships.memberList(p.conversationId()), Outbound.of(json), 0);
  }

  @Override
  public void close() {
    running = false;
    flusher.interrupt();
    try {
      flusher.join(5000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    flush();
  }
}
