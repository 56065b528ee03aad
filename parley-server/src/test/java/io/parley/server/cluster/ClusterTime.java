package io.parley.server.cluster;

import static org.awaitility.Awaitility.await;

import io.parley.server.testsupport.ManualClock;
import io.vertx.core.Future;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.TimeUnit;

/**
 * How time passes in a contract suite: a {@link ManualClock} advanced instantly for in-memory
 * implementations, or real time for Redis (whose TTLs run on the server's clock). For real time,
 * {@link #elapse} lets the duration pass (Awaitility's poll delay: there is nothing to wait for but
 * the clock), and {@link #eventually} polls the assertion with Awaitility.
 */
abstract class ClusterTime {
  abstract void elapse(Duration d);

  abstract void eventually(Runnable assertion);

  static ClusterTime manual(ManualClock clock) {
    return new ClusterTime() {
      @Override
      void elapse(Duration d) {
        clock.advance(d);
      }

      @Override
      void eventually(Runnable assertion) {
        assertion.run();
      }
    };
  }

  static ClusterTime real() {
    return new ClusterTime() {
      @Override
      void elapse(Duration d) {
        await().pollDelay(d).atMost(d.plusSeconds(5)).until(() -> true);
      }

      @Override
      void eventually(Runnable assertion) {
        await().atMost(Duration.ofSeconds(10)).untilAsserted(assertion::run);
      }
    };
  }

  static ManualClock newClock() {
    return new ManualClock(Instant.parse("2026-01-01T00:00:00Z"));
  }

  /** Waits for a future (10 s at most) and returns its value. */
  static <T> T get(Future<T> f) {
    try {
      return f.toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new AssertionError("future failed: " + e, e);
    }
  }
}
