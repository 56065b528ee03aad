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
  }

  /** Registers a gauge read on scrape. */
  public void gauge(String name, String description, Supplier<Number> value) {
    Gauge.builder(name, value).description(description).register(registry);
  }

  /** Registers a monotonic counter read on scrape (exported as {@code name_total}). */
  public void counterFn(String name, String description, Supplier<Number> value) {
    io.micrometer.core.instrument.FunctionCounter.builder(name, value, v -> v.get().doubleValue())
        .description(description)
        .register(registry);
  }

  /** Records one committed batch. */
  public void batchCommitted(int size, long nanos) {
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
}
