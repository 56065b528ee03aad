package io.parley.server.messaging;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.messaging.MessageStore.AppendResult;
import io.parley.server.messaging.MessageStore.Commit;
import io.parley.server.messaging.MessageStore.PositionUpdates;
import io.parley.server.messaging.MessageStore.RaisedPositions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit: one thread drains a bounded queue of sends and appends each drained batch in one
 * transaction, so durability costs one commit per batch rather than per message. Futures complete
 * on the writer thread in commit order, which is seq order per conversation, so dependents that fan
 * out keep that order.
 *
 * <p>If a batch fails, its messages are retried one by one so one bad message cannot fail its
 * neighbours. A full queue rejects new sends with {@code unavailable} (backpressure).
 *
 * <p>Receipt positions ride along ({@link #writePositions}): the next batch raises them in its own
 * transaction, or a transaction of their own at once if no message is queued, so messages and
 * receipts cost one commit (one fsync) per batch. A failure of the combined transaction retries the
 * positions and the messages apart, so neither can fail the other.
 */
public final class MessageWriter implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MessageWriter.class);

  private record Pending(NewMessage message, CompletableFuture<AppendResult> done, long queuedAt) {}

  private record PositionsJob(PositionUpdates updates, CompletableFuture<RaisedPositions> done) {}

  /** Queued by {@link #writePositions} only to wake an idle writer; carries no message. */
  private static final Pending WAKE = new Pending(null, null, 0);

  private final MessageStore store;
  private final int batchMax;
  private final ArrayBlockingQueue<Pending> queue;
  private final Thread thread;
  private final ArrayBlockingQueue<Runnable> completions = new ArrayBlockingQueue<>(4096);
  private final Thread completer;
  private volatile boolean running = true;
  private volatile boolean completing = true;
  private volatile BatchListener listener = (size, nanos) -> {};
  private final ConcurrentLinkedQueue<PositionsJob> positions = new ConcurrentLinkedQueue<>();
  private boolean acceptingPositions = true; // guarded by positions
  private final LongAdder transactions = new LongAdder();
  private volatile Consumer<Runnable> completionScope = Runnable::run;
  private volatile long windowNanos;
  private volatile IdleWork idleWork = () -> IdleResult.NOTHING;
  private long nextIdleRun; // writer thread only
  private boolean idleMore; // writer thread only
  private boolean idleDue = true; // writer thread only: messages committed since the last run

  /**
   * Work run on the writer thread between batches, when no send is queued (and at least once a
   * second under sustained load), in bounded pieces: e.g. moving queued messages into the search
   * index, which needs the write lock; done here, a send never waits behind more than one piece.
   */
  @FunctionalInterface
  public interface IdleWork {
    /** Runs one bounded piece and tells what it did. */
    IdleResult runOnce();
  }

  /**
   * What a piece of {@link IdleWork} did: whether it committed a transaction (counted in {@link
   * #transactions}), whether more is ready (run again at the next idle moment), and whether it
   * chose to wait ({@code later}: asked again one idle period on, even if nothing is committed).
   */
  public record IdleResult(boolean committed, boolean more, boolean later) {
    public static final IdleResult NOTHING = new IdleResult(false, false);
    public static final IdleResult LATER = new IdleResult(false, false, true);

    public IdleResult(boolean committed, boolean more) {
      this(committed, more, false);
    }
  }

  /**
   * Runs {@code work} between batches once messages were committed since its last run (and once at
   * start), at most every {@link #IDLE_PERIOD_NANOS}, and at once again while it has more.
   */
  public void setIdleWork(IdleWork work) {
    this.idleWork = work;
  }

  static final long IDLE_PERIOD_NANOS = TimeUnit.MILLISECONDS.toNanos(50);
  private static final long IDLE_STARVED_NANOS = TimeUnit.SECONDS.toNanos(1);

  /** Observes each committed batch (for metrics). */
  @FunctionalInterface
  public interface BatchListener {
    void committed(int size, long nanos);
  }

  public MessageWriter(MessageStore store, int batchMax, int queueCapacity) {
    this.store = store;
    this.batchMax = batchMax;
    this.queue = new ArrayBlockingQueue<>(queueCapacity);
    this.thread = new Thread(this::run, "parley-message-writer");
    this.thread.setDaemon(true);
    this.completer = new Thread(this::complete, "parley-completer");
    this.completer.setDaemon(true);
    this.thread.start();
    this.completer.start();
  }

  private void complete() {
    List<Runnable> run = new ArrayList<>();
    Runnable runAll =
        () -> {
          for (Runnable r : run) {
            try {
              r.run();
            } catch (RuntimeException e) {
              log.error("message dependent failed", e);
            }
          }
        };
    while (completing || !completions.isEmpty()) {
      try {
        Runnable r = completions.poll(50, TimeUnit.MILLISECONDS);
        if (r != null) {
          // every commit completed meanwhile, in order, in one scope (one fan-out batch)
          run.add(r);
          completions.drainTo(run, 255);
          completionScope.accept(runAll);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("message dependent failed", e);
      } finally {
        run.clear();
      }
    }
  }

  /** Hands work to the completer, in order; blocks the writer if the completer lags far. */
  private void handOff(Runnable r) {
    try {
      completions.put(r);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      r.run();
    }
  }

  /**
   * Lets a batch gather sends until its oldest is {@code nanos} old (or the batch is full) before
   * committing, instead of committing whatever is queued at once: fewer, larger commits (each costs
   * an fsync and a write per page it dirties) for at most {@code nanos} more latency. Sends that
   * already waited that long, e.g. behind a running commit, are committed without delay. 0 (the
   * default) commits at once.
   */
  public void setCommitWindow(long nanos) {
    this.windowNanos = Math.max(0, nanos);
  }

  public void setListener(BatchListener listener) {
    this.listener = listener;
  }

  /**
   * Wraps each run of completions on the completer thread (the commits completed since the last
   * run, in commit order), e.g. to fan their frames out as one batch ({@code LocalSink::batch}).
   */
  public void setCompletionScope(Consumer<Runnable> scope) {
    this.completionScope = scope;
  }

  /**
   * Queues a message. {@code onCommit} runs on the completer thread once the message is durable (or
   * was a duplicate), in commit order; the returned future completes with its result. It is
   * attached before the message is queued, so it can never run early on the caller's thread and
   * overtake the fan-out of later messages.
   */
  public <R> CompletableFuture<R> submit(NewMessage message, Function<AppendResult, R> onCommit) {
    CompletableFuture<AppendResult> f = new CompletableFuture<>();
    CompletableFuture<R> result = f.thenApply(onCommit);
    if (!running) {
      f.completeExceptionally(new ApiException(ErrorCode.UNAVAILABLE, "node is shutting down"));
    } else if (!queue.offer(new Pending(message, f, System.nanoTime()))) {
      f.completeExceptionally(new ApiException(ErrorCode.UNAVAILABLE, "server busy, retry"));
    }
    return result;
  }

  public int queued() {
    return queue.size();
  }

  /**
   * Raises {@code updates} in the writer's next transaction (with the next message batch, or alone
   * at once when none is queued) and returns the member positions that rose, once committed. Blocks
   * the caller until then; after {@link #close} it writes on the caller's thread.
   */
  public RaisedPositions writePositions(PositionUpdates updates) {
    if (updates.isEmpty()) {
      return RaisedPositions.NONE;
    }
    PositionsJob job = new PositionsJob(updates, new CompletableFuture<>());
    synchronized (positions) {
      if (!acceptingPositions) {
        return store.appendWith(List.of(), updates).raised();
      }
      positions.add(job);
    }
    queue.offer(WAKE); // if the queue is full the writer is busy and takes the job with its batch
    try {
      return job.done().join();
    } catch (CompletionException e) {
      throw e.getCause() instanceof RuntimeException r ? r : e;
    }
  }

  /**
   * Transactions the writer thread has committed (messages and/or positions, and idle work), for
   * tests and metrics.
   */
  public long transactions() {
    return transactions.sum();
  }

  private void run() {
    List<Pending> batch = new ArrayList<>(batchMax);
    List<NewMessage> messages = new ArrayList<>(batchMax);
    while (running || !queue.isEmpty() || !positions.isEmpty()) {
      try {
        Pending first = queue.poll();
        long now = System.nanoTime();
        if ((idleMore || idleDue)
            && (first == null
                ? idleMore || now - nextIdleRun >= 0
                : now - nextIdleRun >= IDLE_STARVED_NANOS)) {
          runIdle(now);
          if (first == null) {
            first = queue.poll();
          }
        }
        if (first == null && positions.isEmpty()) {
          first = queue.poll(idleMore ? 0 : 50, TimeUnit.MILLISECONDS);
        }
        if (first != null) {
          batch.add(first);
          queue.drainTo(batch, batchMax - 1);
          if (first.message() != null) { // a WAKE has no age: commit what is there at once
            gather(batch, first.queuedAt() + windowNanos);
          }
          batch.removeIf(p -> p.message() == null); // WAKE
        }
        for (Pending p : batch) {
          messages.add(p.message());
        }
        PositionsJob job = positions.poll();
        if (!batch.isEmpty()) {
          commit(batch, messages, job);
        } else if (job != null) {
          commitPositions(job);
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      } catch (RuntimeException e) {
        log.error("message writer failure", e);
      } finally {
        batch.clear();
        messages.clear();
      }
    }
  }

  private void runIdle(long now) {
    nextIdleRun = now + IDLE_PERIOD_NANOS;
    idleDue = false;
    try {
      IdleResult r = idleWork.runOnce();
      if (r.committed()) {
        transactions.increment();
      }
      idleMore = r.more();
      idleDue = r.later();
    } catch (RuntimeException e) {
      idleMore = false;
      log.warn("writer idle work failed: {}", e.toString());
    }
  }

  /** Adds sends queued until {@code deadline} (nanoTime) while the batch has room. */
  private void gather(List<Pending> batch, long deadline) throws InterruptedException {
    if (windowNanos == 0 || !positions.isEmpty()) {
      return;
    }
    long wait;
    while (batch.size() < batchMax && (wait = deadline - System.nanoTime()) > 0) {
      Pending p = queue.poll(wait, TimeUnit.NANOSECONDS);
      if (p == null) {
        return;
      }
      batch.add(p);
      queue.drainTo(batch, batchMax - batch.size());
    }
  }

  private void commit(List<Pending> batch, List<NewMessage> messages, PositionsJob job) {
    List<AppendResult> results;
    long t0 = System.nanoTime();
    try {
      Commit done = store.appendWith(messages, job == null ? PositionUpdates.NONE : job.updates());
      transactions.increment();
      results = done.results();
      if (job != null) {
        job.done().complete(done.raised());
      }
    } catch (RuntimeException e) {
      if (job != null) {
        // apart, so a bad message cannot fail the receipts nor a bad position the messages
        commitPositions(job);
        commit(batch, messages, null);
        return;
      }
      if (batch.size() == 1) {
        log.warn("append failed for message {}", messages.get(0).messageId(), e);
        CompletableFuture<AppendResult> f = batch.get(0).done();
        handOff(() -> f.completeExceptionally(e));
        return;
      }
      log.warn("batch of {} failed, retrying one by one", batch.size(), e);
      for (Pending p : batch) {
        commit(List.of(p), List.of(p.message()), null);
      }
      return;
    }
    listener.committed(batch.size(), System.nanoTime() - t0);
    idleDue = true;
    List<CompletableFuture<AppendResult>> futures = new ArrayList<>(batch.size());
    for (Pending p : batch) {
      futures.add(p.done());
    }
    handOff(
        () -> {
          for (int i = 0; i < futures.size(); i++) {
            try {
              futures.get(i).complete(results.get(i));
            } catch (RuntimeException e) {
              log.error("message dependent failed", e);
            }
          }
        });
  }

  private void commitPositions(PositionsJob job) {
    try {
      RaisedPositions raised = store.appendWith(List.of(), job.updates()).raised();
      transactions.increment();
      job.done().complete(raised);
    } catch (RuntimeException e) {
      job.done().completeExceptionally(e);
    }
  }

  /** Stops accepting, commits what is queued, then stops. */
  @Override
  public void close() {
    synchronized (positions) {
      acceptingPositions = false;
    }
    running = false;
    try {
      thread.join(10_000);
      completing = false;
      completer.join(10_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
