package io.parley.server.ops;

import java.util.Locale;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.Supplier;

/**
 * Wall-clock durations of the phases of a node's start, for the one INFO line the node logs when it
 * is ready ({@code started in 640 ms: jvm 210, config 35, store 180 ∥ vertx 90, ...}). Phases may
 * run on several threads at once; the line lists them in the order they finished. Thread-safe.
 */
public final class StartupPhases {
  private final long t0 = System.nanoTime();
  private final Queue<String> done = new ConcurrentLinkedQueue<>();

  /** Runs {@code work} as the phase {@code name} and records how long it took. */
  public <T> T time(String name, Supplier<T> work) {
    long s = System.nanoTime();
    try {
      return work.get();
    } finally {
      record(name, System.nanoTime() - s);
    }
  }

  /** Like {@link #time(String, Supplier)} for work without a result. */
  public void run(String name, Runnable work) {
    time(
        name,
        () -> {
          work.run();
          return null;
        });
  }

  /** Records a phase measured elsewhere. */
  public void record(String name, long nanos) {
    done.add(name + " " + nanos / 1_000_000);
  }

  /** Milliseconds since this timer was created. */
  public long elapsedMs() {
    return (System.nanoTime() - t0) / 1_000_000;
  }

  /**
   * Milliseconds between the JVM's process start and this timer's creation (JVM boot, class loading
   * up to {@code main}), or -1 if the OS does not tell.
   */
  public long jvmMs() {
    return ProcessHandle.current()
        .info()
        .startInstant()
        .map(s -> Math.max(0, System.currentTimeMillis() - elapsedMs() - s.toEpochMilli()))
        .orElse(-1L);
  }

  /** The phases recorded so far, in the order they finished ({@code "config 35, store 180"}). */
  public String summary() {
    return String.join(", ", done);
  }

  @Override
  public String toString() {
    return String.format(Locale.ROOT, "%d ms (%s)", elapsedMs(), summary());
  }
}
