package io.parley.server.gateway;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.concurrent.Executor;

/**
 * Moves per-recipient work off a producing thread: while a thread runs inside {@link #batch},
 * frames it offers to connections are not queued on each connection there and then, but collected
 * by the connection's writer thread (its Netty event loop), and when the batch ends each writer
 * thread gets <em>one</em> task that offers its connections their frames, in the order they were
 * offered. The per-connection work of a batch (order checks, queueing, framing, socket writes) thus
 * runs on every event loop in parallel. A connection with nothing queued writes its frames straight
 * to its socket buffer and is flushed once at the end of the task, however many frames it got (one
 * gathering write); one with frames queued (a slow reader) queues behind them, as before.
 *
 * <p>Ordering: a batch's frames reach each connection in the order the thread offered them, and
 * batches of one thread reach a writer thread in order (one executor, FIFO), so everything a thread
 * offers inside batches keeps its order per connection — a conversation's messages in seq order,
 * acks in commit order, and an ack before a message committed after it. Frames offered outside a
 * batch go to the connection directly, as before.
 *
 * <p>Used by the message writer's completion thread (a batch per run of commits it completes) and
 * by a cluster broker's subscriber (a batch per pub/sub message). Not thread-safe: a batch belongs
 * to the thread that opened it; nested calls join the open batch.
 */
final class FanOut {
  private static final ThreadLocal<FanOut> OPEN = new ThreadLocal<>();
  private static final ThreadLocal<Task> RUNNING = new ThreadLocal<>();

  private final ArrayList<ForWriter> writers = new ArrayList<>(4);

  private FanOut() {}

  /** Runs {@code work}; frames offered on this thread meanwhile go out as one task per writer. */
  static void batch(Runnable work) {
    if (OPEN.get() != null) {
      work.run();
      return;
    }
    FanOut f = new FanOut();
    OPEN.set(f);
    try {
      work.run();
    } finally {
      OPEN.remove();
      f.submit();
    }
  }

  /**
   * Collects {@code item} for {@code c} if this thread has a batch open; false (nothing done) if
   * not, and the caller delivers it itself.
   */
  static boolean collect(Connection c, Object item) {
    FanOut f = OPEN.get();
    if (f == null) {
      return false;
    }
    f.forWriter(c.transport().writer()).add(c, item);
    return true;
  }

  /** The fan-out task running on this (writer) thread, or null. */
  static Task running() {
    return RUNNING.get();
  }

  /**
   * A fan-out task running on a writer thread. A connection of that thread with nothing queued
   * writes its frames straight to its transport (no queue, no drain task) and registers here once;
   * the task flushes each such connection once when it ends.
   */
  static final class Task {
    private Connection[] written = new Connection[16];
    private int count;

    void written(Connection c) {
      if (count == written.length) {
        written = Arrays.copyOf(written, count * 2);
      }
      written[count++] = c;
    }

    void flushAll() {
      for (int i = 0; i < count; i++) {
        written[i].flushWritten();
        written[i] = null;
      }
      count = 0;
    }
  }

  private ForWriter forWriter(Executor writer) {
    // a node has a handful of event loops: a linear scan beats hashing
    for (int i = 0; i < writers.size(); i++) {
      ForWriter w = writers.get(i);
      if (w.writer == writer) {
        return w;
      }
    }
    ForWriter w = new ForWriter(writer);
    writers.add(w);
    return w;
  }

  private void submit() {
    for (ForWriter w : writers) {
      try {
        w.writer.execute(w);
      } catch (RuntimeException e) {
        // the event loop is shut down: its connections are gone with it
        w.drop();
      }
    }
  }

  /** One writer thread's share of a batch: connections and their items, in offer order. */
  private static final class ForWriter implements Runnable {
    final Executor writer;
    private Connection[] conns = new Connection[16];
    private Object[] items = new Object[16];
    private int size;

    ForWriter(Executor writer) {
      this.writer = writer;
    }

    void add(Connection c, Object item) {
      if (size == conns.length) {
        conns = Arrays.copyOf(conns, size * 2);
        items = Arrays.copyOf(items, size * 2);
      }
      conns[size] = c;
      items[size++] = item;
    }

    void drop() {
      size = 0;
    }

    @Override
    public void run() {
      Task task = new Task();
      RUNNING.set(task);
      try {
        for (int i = 0; i < size; i++) {
          conns[i].deliverNow(items[i]);
        }
      } finally {
        RUNNING.remove();
        // connections with frames queued before (a slow reader) drain them in their own task
        task.flushAll();
      }
    }
  }
}
