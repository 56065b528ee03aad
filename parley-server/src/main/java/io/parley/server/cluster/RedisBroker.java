package io.parley.server.cluster;

import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.LocalSink;
import io.parley.server.delivery.Outbound;
import io.vertx.core.AsyncResult;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.buffer.Buffer;
import io.vertx.redis.client.Command;
import io.vertx.redis.client.Redis;
import io.vertx.redis.client.RedisConnection;
import io.vertx.redis.client.Request;
import io.vertx.redis.client.Response;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Broker} across the nodes of a cluster, over Redis pub/sub.
 *
 * <p><b>Routing.</b> Each node subscribes to its own channel {@code {prefix}node:{nodeId}} and to
 * {@code {prefix}events}. {@link #publish} first hands the frame to this node's {@link LocalSink}
 * (devices connected here get it at once, with no Redis round trip), then looks up in the {@link
 * SessionRegistry} on which other nodes the users have sessions, and publishes the frame once per
 * target node, with the list of that node's users. The receiving node hands it to its own sink.
 *
 * <p><b>Never blocks.</b> {@code publish} only appends to a bounded queue and wakes the broker's
 * event loop (the Vert.x context the broker was created on). Lookups and publishing happen there:
 * pending frames are looked up in batches, then appended to a bounded queue per target node, which
 * is published by one Redis connection, several frames per pub/sub message, one message in flight
 * per node. When a queue is full (Redis slow or unreachable) the frame is dropped and counted
 * ({@link #droppedFrames()}). A dropped frame is not lost: message frames are stored before they
 * are published, carry their conversation and {@code seq}, and a device gets them from the store on
 * its next sync (or on detecting the gap in {@code seq}).
 *
 * <p><b>Order.</b> Frames go through one FIFO queue, are looked up in batches in order, and each
 * node queue is published in order on one connection; Redis delivers a connection's messages to a
 * subscriber in order. So frames published from one thread reach each device in order.
 *
 * <p><b>Outages.</b> Both connections reconnect by themselves ({@code reconnectDelay}). After the
 * subscription is restored, listeners get a local {@link ClusterEvent.Kind#CACHES_STALE}, since
 * events may have been missed. (If Redis lost its data, the {@link SessionRegistry} heartbeat
 * reports it and the gateway must register its devices again.)
 */
public final class RedisBroker implements Broker {
  private static final Logger log = LoggerFactory.getLogger(RedisBroker.class);

  /**
   * Queue bounds and timing of the broker.
   *
   * @param maxPendingFrames frames waiting for their session lookup, at most
   * @param maxQueuedFramesPerNode frames waiting to be published to one node, at most
   * @param maxFramesPerMessage frames packed into one pub/sub message, at most
   * @param reconnectDelay pause before reconnecting a lost Redis connection
   */
  public record Settings(
      int maxPendingFrames,
      int maxQueuedFramesPerNode,
      int maxFramesPerMessage,
      Duration reconnectDelay) {
    public static Settings defaults() {
      return new Settings(100_000, 50_000, 256, Duration.ofMillis(250));
    }
  }

  @SuppressWarnings("ArrayRecordComponent") // never compared or hashed
  private record Pending(long[] userIds, Outbound frame, long excludeDeviceId) {}

  private static final class NodeQueue {
    final ArrayDeque<BrokerWire.Routed> frames = new ArrayDeque<>();
    boolean inFlight;
  }

  private final ClusterRedis redis;
  private final SessionRegistry sessions;
  private final int nodeId;
  private final LocalSink local;
  private final Settings settings;
  private final Context ctx;
  private final Redis pubClient;
  private final Redis subClient;
  private final String myChannel;
  private final String eventsChannel;

  private final ConcurrentLinkedQueue<Pending> pending = new ConcurrentLinkedQueue<>();
  private final AtomicInteger pendingCount = new AtomicInteger();
  private final ConcurrentLinkedQueue<ClusterEvent> outEvents = new ConcurrentLinkedQueue<>();
  private final AtomicInteger outEventCount = new AtomicInteger();
  private final AtomicBoolean wakeScheduled = new AtomicBoolean();
  private final List<Consumer<ClusterEvent>> listeners = new CopyOnWriteArrayList<>();
  private final LongAdder dropped = new LongAdder();
  private final LongAdder sent = new LongAdder();
  private final LongAdder received = new LongAdder();
  private final LongAdder droppedEvents = new LongAdder();
  private final AtomicInteger queued = new AtomicInteger();
  private volatile boolean closed;

  // Confined to ctx:
  private final Map<Integer, NodeQueue> queues = new HashMap<>();
  private boolean lookupInFlight;
  private boolean eventsInFlight;
  private RedisConnection pub;
  private RedisConnection sub;
  private boolean subscriptionLost;
  private final Promise<Void> started = Promise.promise();

  /**
   * Creates the broker of node {@code nodeId}; its event loop is the Vert.x context current at
   * construction (create it outside any event loop to get one of its own). Call {@link #start()}.
   */
  public RedisBroker(
      ClusterRedis redis,
      SessionRegistry sessions,
      int nodeId,
      LocalSink local,
      Settings settings) {
    this.redis = redis;
    this.sessions = sessions;
    this.nodeId = nodeId;
    this.local = local;
    this.settings = settings;
    this.ctx = redis.vertx().getOrCreateContext();
    this.pubClient = redis.newClient();
    this.subClient = redis.newClient();
    this.myChannel = channelOf(nodeId);
    this.eventsChannel = redis.key("events");
  }

  private String channelOf(int node) {
    return redis.key("node:" + node);
  }

  /** Connects and subscribes; completes once this node receives frames and events. */
  public Future<Void> start() {
    ctx.runOnContext(
        v -> {
          connectPublisher();
          connectSubscriber();
        });
    return started.future();
  }

  @Override
  public void publish(Collection<Long> userIds, Outbound frame, long excludeDeviceId) {
    local.deliver(userIds, frame, excludeDeviceId);
    if (closed || userIds.isEmpty()) {
      return;
    }
    if (pendingCount.incrementAndGet() > settings.maxPendingFrames()) {
      pendingCount.decrementAndGet();
      dropped.increment();
      return;
    }
    long[] users = new long[userIds.size()];
    int i = 0;
    for (long u : userIds) {
      users[i++] = u;
    }
    pending.add(new Pending(users, frame, excludeDeviceId));
    wake();
  }

  @Override
  public void publishEvent(ClusterEvent event) {
    if (event.kind() == ClusterEvent.Kind.CACHES_STALE) {
      throw new IllegalArgumentException("CACHES_STALE is raised locally, never published");
    }
    if (closed) {
      return;
    }
    if (outEventCount.incrementAndGet() > settings.maxPendingFrames()) {
      outEventCount.decrementAndGet();
      droppedEvents.increment();
      return;
    }
    outEvents.add(event);
    wake();
  }

  @Override
  public void onEvent(Consumer<ClusterEvent> listener) {
    listeners.add(listener);
  }

  /**
   * Frames dropped because a queue was full or Redis failed (they are recovered from the store).
   */
  public long droppedFrames() {
    return dropped.sum();
  }

  /** Frames published to other nodes. */
  public long sentFrames() {
    return sent.sum();
  }

  /** Frames received from other nodes and handed to the local sink. */
  public long receivedFrames() {
    return received.sum();
  }

  /** Events that could not be published. */
  public long droppedEvents() {
    return droppedEvents.sum();
  }

  /** Frames waiting for lookup or publication. */
  public int queuedFrames() {
    return pendingCount.get() + queued.get();
  }

  private void wake() {
    if (wakeScheduled.compareAndSet(false, true)) {
      ctx.runOnContext(
          v -> {
            wakeScheduled.set(false);
            drain();
            flush();
          });
    }
  }

  // ---- on ctx ----

  private void drain() {
    if (lookupInFlight || closed) {
      return;
    }
    List<Pending> batch = new ArrayList<>();
    Pending p;
    while (batch.size() < 1024 && (p = pending.poll()) != null) {
      batch.add(p);
    }
    if (batch.isEmpty()) {
      return;
    }
    pendingCount.addAndGet(-batch.size());
    Set<Long> users = new LinkedHashSet<>();
    for (Pending b : batch) {
      for (long u : b.userIds()) {
        users.add(u);
      }
    }
    lookupInFlight = true;
    sessions.nodesOf(users).onComplete(ar -> ctx.runOnContext(v -> route(batch, ar)));
  }

  private void route(List<Pending> batch, AsyncResult<Map<Long, Set<Integer>>> ar) {
    lookupInFlight = false;
    if (ar.failed()) {
      dropped.add(batch.size());
      log.debug(
          "session lookup failed, {} frames dropped: {}", batch.size(), ar.cause().toString());
    } else {
      Map<Long, Set<Integer>> nodes = ar.result();
      for (Pending b : batch) {
        Map<Integer, List<Long>> perNode = new HashMap<>();
        for (long u : b.userIds()) {
          for (int n : nodes.getOrDefault(u, Set.of())) {
            if (n != nodeId) {
              perNode.computeIfAbsent(n, k -> new ArrayList<>()).add(u);
            }
          }
        }
        perNode.forEach(
            (n, us) ->
                enqueue(
                    n,
                    new BrokerWire.Routed(
                        us.stream().mapToLong(Long::longValue).toArray(),
                        b.frame(),
                        b.excludeDeviceId())));
      }
    }
    flush();
    drain();
  }

  private void enqueue(int node, BrokerWire.Routed r) {
    NodeQueue q = queues.computeIfAbsent(node, k -> new NodeQueue());
    if (q.frames.size() >= settings.maxQueuedFramesPerNode()) {
      dropped.increment();
      return;
    }
    q.frames.add(r);
    queued.incrementAndGet();
  }

  private void flush() {
    RedisConnection c = pub;
    if (c == null || closed) {
      return;
    }
    for (Map.Entry<Integer, NodeQueue> e : queues.entrySet()) {
      NodeQueue q = e.getValue();
      if (q.inFlight || q.frames.isEmpty()) {
        continue;
      }
      List<BrokerWire.Routed> batch = new ArrayList<>();
      while (batch.size() < settings.maxFramesPerMessage() && !q.frames.isEmpty()) {
        batch.add(q.frames.poll());
      }
      queued.addAndGet(-batch.size());
      q.inFlight = true;
      Buffer payload = BrokerWire.encode(batch);
      c.send(Request.cmd(Command.PUBLISH).arg(channelOf(e.getKey())).arg(payload))
          .onComplete(
              ar ->
                  ctx.runOnContext(
                      v -> {
                        q.inFlight = false;
                        (ar.succeeded() ? sent : dropped).add(batch.size());
                        flush();
                      }));
    }
    flushEvents(c);
  }

  private void flushEvents(RedisConnection c) {
    if (eventsInFlight || outEvents.isEmpty()) {
      return;
    }
    StringBuilder sb = new StringBuilder();
    int n = 0;
    ClusterEvent ev;
    while (n < settings.maxFramesPerMessage() && (ev = outEvents.poll()) != null) {
      if (n++ > 0) {
        sb.append('\n');
      }
      sb.append(ev.encode());
    }
    outEventCount.addAndGet(-n);
    int count = n;
    eventsInFlight = true;
    c.send(Request.cmd(Command.PUBLISH).arg(eventsChannel).arg(sb.toString()))
        .onComplete(
            ar ->
                ctx.runOnContext(
                    v -> {
                      eventsInFlight = false;
                      if (ar.failed()) {
                        droppedEvents.add(count);
                      }
                      flush();
                    }));
  }

  private void connectPublisher() {
    if (closed) {
      return;
    }
    pubClient
        .connect()
        .onComplete(
            ar ->
                ctx.runOnContext(
                    v -> {
                      if (ar.failed()) {
                        retry(this::connectPublisher);
                        return;
                      }
                      RedisConnection c = ar.result();
                      if (closed) {
                        c.close();
                        return;
                      }
                      c.exceptionHandler(e -> ctx.runOnContext(x -> publisherLost(c)));
                      c.endHandler(e -> ctx.runOnContext(x -> publisherLost(c)));
                      pub = c;
                      flush();
                    }));
  }

  private void publisherLost(RedisConnection c) {
    if (pub == c) {
      pub = null;
      log.warn("node {}: Redis publisher connection lost; reconnecting", nodeId);
      retry(this::connectPublisher);
    }
  }

  private void connectSubscriber() {
    if (closed) {
      return;
    }
    subClient
        .connect()
        .compose(
            c -> {
              c.handler(this::onMessage);
              return c.send(Request.cmd(Command.SUBSCRIBE).arg(myChannel).arg(eventsChannel))
                  .map(r -> c);
            })
        .onComplete(
            ar ->
                ctx.runOnContext(
                    v -> {
                      if (ar.failed()) {
                        retry(this::connectSubscriber);
                        return;
                      }
                      RedisConnection c = ar.result();
                      if (closed) {
                        c.close();
                        return;
                      }
                      c.exceptionHandler(e -> ctx.runOnContext(x -> subscriberLost(c)));
                      c.endHandler(e -> ctx.runOnContext(x -> subscriberLost(c)));
                      sub = c;
                      if (subscriptionLost) {
                        subscriptionLost = false;
                        log.info("node {}: Redis subscription restored", nodeId);
                        deliverEvent(new ClusterEvent(ClusterEvent.Kind.CACHES_STALE, 0, 0));
                      }
                      started.tryComplete();
                    }));
  }

  private void subscriberLost(RedisConnection c) {
    if (sub == c) {
      sub = null;
      subscriptionLost = true;
      log.warn("node {}: Redis subscription lost; reconnecting", nodeId);
      retry(this::connectSubscriber);
    }
  }

  private void retry(Runnable action) {
    if (!closed) {
      redis
          .vertx()
          .setTimer(
              Math.max(1, settings.reconnectDelay().toMillis()),
              id -> ctx.runOnContext(v -> action.run()));
    }
  }

  private void onMessage(Response msg) {
    if (msg == null || msg.size() < 3 || !"message".equals(msg.get(0).toString())) {
      return;
    }
    String channel = msg.get(1).toString();
    try {
      if (channel.equals(myChannel)) {
        List<BrokerWire.Routed> routed = BrokerWire.decode(msg.get(2).toBuffer());
        local.batch(
            () -> {
              for (BrokerWire.Routed r : routed) {
                List<Long> users = new ArrayList<>(r.userIds().length);
                for (long u : r.userIds()) {
                  users.add(u);
                }
                local.deliver(users, r.frame(), r.excludeDeviceId());
                received.increment();
              }
            });
      } else if (channel.equals(eventsChannel)) {
        for (String line : msg.get(2).toString().split("\n")) {
          deliverEvent(ClusterEvent.decode(line));
        }
      }
    } catch (RuntimeException e) {
      log.warn("node {}: bad message on {}: {}", nodeId, channel, e.toString());
    }
  }

  private void deliverEvent(ClusterEvent event) {
    for (Consumer<ClusterEvent> l : listeners) {
      try {
        l.accept(event);
      } catch (RuntimeException e) {
        log.warn("cluster event listener failed on {}", event, e);
      }
    }
  }

  @Override
  public void close() {
    closed = true;
    ctx.runOnContext(
        v -> {
          if (pub != null) {
            pub.close();
          }
          if (sub != null) {
            sub.close();
          }
          pubClient.close();
          subClient.close();
          pending.clear();
          queues.clear();
        });
  }
}
