package io.parley.server.ops;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Timer;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.time.Duration;
import java.util.function.Supplier;

/** The node's Prometheus meters (served at {@code /metrics}). */
public final class Metrics {
  private final PrometheusMeterRegistry registry =
      new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
  private final Counter messagesStored;
  private final Timer storeBatch;
  private final io.micrometer.core.instrument.DistributionSummary batchSize;

  private final java.util.List<Supplier<Number>> suppliers =
      new java.util.concurrent.CopyOnWriteArrayList<>();

  public Metrics() {
    messagesStored =
        Counter.builder("parley_messages_stored")
            .description("messages durably stored")
            .register(registry);
    storeBatch =
        Timer.builder("parley_store_batch")
            .description("group-commit transaction latency")
            .publishPercentileHistogram()
            .minimumExpectedValue(Duration.ofNanos(100_000))
            .maximumExpectedValue(Duration.ofSeconds(5))
            .register(registry);
    batchSize =
        io.micrometer.core.instrument.DistributionSummary.builder("parley_store_batch_size")
            .description("messages per group commit")
            .register(registry);
    io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics m =
        new io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics();
    m.bindTo(registry);
    new io.micrometer.core.instrument.binder.jvm.JvmGcMetrics().bindTo(registry);
    new io.micrometer.core.instrument.binder.system.ProcessorMetrics().bindTo(registry);
    deliveryLatency();
    storeTimer("append");
    for (String scope : new String[] {"message", "login", "signup", "connection"}) {
      rateLimitedCounter(scope); // the F14 scopes, at 0 until a limit rejects
    }
  }

  // --- F16: frames, errors, delivery and store latency, queue and rate-limit hooks ---

  /** Frame types counted by name; anything else is counted as {@code other}. */
  private static final java.util.Set<String> FRAME_TYPES =
      java.util.Set.copyOf(io.parley.protocol.FrameTypes.CONTRACT);

  private final java.util.concurrent.ConcurrentMap<String, Counter> framesIn =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentMap<String, Counter> framesOut =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentMap<String, Counter> errors =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentMap<String, Counter> rateLimited =
      new java.util.concurrent.ConcurrentHashMap<>();
  private final java.util.concurrent.ConcurrentMap<String, Timer> storeTimers =
      new java.util.concurrent.ConcurrentHashMap<>();
  private volatile long lastCommitNanos;
  private Timer deliveryLatency;

  private Timer deliveryLatency() {
    Timer t = deliveryLatency;
    if (t == null) {
      t =
          Timer.builder("parley_delivery_latency")
              .description(
                  "time from the group commit to the hand-off of a message frame to the"
                      + " recipients' connection queues")
              .publishPercentileHistogram()
              .minimumExpectedValue(Duration.ofNanos(10_000))
              .maximumExpectedValue(Duration.ofSeconds(10))
              .register(registry);
      deliveryLatency = t;
    }
    return t;
  }

  private static String frameType(String type) {
    return type != null && FRAME_TYPES.contains(type) ? type : "other";
  }

  /** One client frame received ({@code parley_frames_in_total{type}}). */
  public void frameIn(String type) {
    framesIn
        .computeIfAbsent(
            frameType(type),
            t ->
                Counter.builder("parley_frames_in")
                    .description("client frames received, by type")
                    .tag("type", t)
                    .register(registry))
        .increment();
  }

  /** {@code n} server frames handed to connections ({@code parley_frames_out_total{type}}). */
  public void framesOut(String type, int n) {
    framesOut
        .computeIfAbsent(
            frameType(type),
            t ->
                Counter.builder("parley_frames_out")
                    .description("server frames handed to connections, by type")
                    .tag("type", t)
                    .register(registry))
        .increment(n);
  }

  /** One error answered ({@code parley_errors_total{code,transport}}; transport rest|websocket). */
  public void error(String code, String transport) {
    errors
        .computeIfAbsent(
            code + "|" + transport,
            k ->
                Counter.builder("parley_errors")
                    .description("errors answered to clients, by code and transport")
                    .tag("code", code)
                    .tag("transport", transport)
                    .register(registry))
        .increment();
  }

  /** Hook for rate limiting: one rejected request ({@code parley_rate_limited_total{scope}}). */
  public void rateLimited(String scope) {
    rateLimitedCounter(scope).increment();
  }

  private Counter rateLimitedCounter(String scope) {
    return rateLimited.computeIfAbsent(
        scope,
        k ->
            Counter.builder("parley_rate_limited")
                .description("requests rejected by rate limits, by scope")
                .tag("scope", scope)
                .register(registry));
  }

  /** Hook for durable queues (outbox, push): {@code parley_queue_depth{queue}} read on scrape. */
  public void queueDepth(String queue, Supplier<Number> depth) {
    Gauge.builder("parley_queue_depth", depth)
        .description("jobs waiting in a durable queue (outbox, push)")
        .tag("queue", queue)
        .register(registry);
  }

  /** The store latency timer of one operation ({@code parley_store_latency{op}}). */
  public Timer storeTimer(String op) {
    return storeTimers.computeIfAbsent(
        op,
        o ->
            Timer.builder("parley_store_latency")
                .description("store call latency, by operation")
                .tag("op", o)
                .publishPercentileHistogram()
                .minimumExpectedValue(Duration.ofNanos(10_000))
                .maximumExpectedValue(Duration.ofSeconds(10))
                .register(registry));
  }

  /**
   * A message frame was handed to its recipients' queues: records the time since the latest group
   * commit (a slight underestimate when the next batch commits while this one fans out).
   */
  public void messageHandedOff() {
    long c = lastCommitNanos;
    if (c != 0) {
      deliveryLatency().record(System.nanoTime() - c, java.util.concurrent.TimeUnit.NANOSECONDS);
    }
  }

  /** Registers a gauge read on scrape. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  /**
   * Registers a monotonic counter read on scrape (exported as {@code name_total}), with tag pairs
   * (key, value, ...).
   */
  public void counterFn(String name, String description, Supplier<Number> value, String... tags) {
    // the registry holds the supplier weakly (often a method reference made for this call): keep
    // it, or the counter reports nothing once it is collected
    suppliers.add(value);
    io.micrometer.core.instrument.FunctionCounter.builder(name, value, v -> v.get().doubleValue())
        .description(description)
        .tags(tags)
        .register(registry);
  }

  /** Records one committed batch. */
  public void batchCommitted(int size, long nanos) {
    lastCommitNanos = System.nanoTime();
    messagesStored.increment(size);
    batchSize.record(size);
    storeBatch.record(Duration.ofNanos(nanos));
  }

  public PrometheusMeterRegistry registry() {
    return registry;
  }

  public String scrape() {
    return registry.scrape();
  }

  // --- push (F12)
  /** A counter with tag pairs (key, value, ...); the same name and tags give the same counter. */
  public Counter counter(String name, String description, String... tags) {
    return Counter.builder(name).description(description).tags(tags).register(registry);
  }
}
