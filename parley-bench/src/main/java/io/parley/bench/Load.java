package io.parley.bench;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BooleanSupplier;

/**
 * The load generator's side: one Vertx with a few event loops shared by every bench connection, and
 * one WebSocket client per source address (127.0.0.1, 127.0.0.2, ...) so that more than ~28k
 * connections to one server port are possible.
 */
final class Load implements AutoCloseable {
  /** The bench's time origin: send timestamps are nanoseconds since it, always positive. */
  static final long T0 = System.nanoTime() - 1;

  final Vertx vertx;
  private final List<WebSocketClient> clients = new ArrayList<>();

  Load(int eventLoops, int sourceAddresses) {
    vertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(eventLoops));
    for (int i = 0; i < Math.max(1, sourceAddresses); i++) {
      clients.add(
          vertx.createWebSocketClient(
              new WebSocketClientOptions()
                  .setMaxConnections(Integer.MAX_VALUE)
                  .setLocalAddress("127.0.0." + (i + 1))
                  .setTcpNoDelay(true)
                  .setConnectTimeout(30_000)
                  .setMaxFrameSize(1 << 20)
                  .setMaxMessageSize(1 << 22)));
    }
  }

  static long now() {
    return System.nanoTime() - T0;
  }

  /** Result of connecting many clients. */
  record ConnectResult(int ok, int failed, double seconds, List<String> errors) {}

  /**
   * Connects every client with at most {@code inFlight} handshakes outstanding, then waits (up to
   * the timeout) until {@code ready} holds for all of them, e.g. hello or synced received.
   */
  ConnectResult connectAll(
      List<BenchClient> cs,
      BenchClient.Listener l,
      int inFlight,
      java.util.function.Predicate<BenchClient> ready,
      long timeoutMs)
      throws InterruptedException {
    long t0 = System.nanoTime();
    Semaphore sem = new Semaphore(inFlight);
    CountDownLatch done = new CountDownLatch(cs.size());
    AtomicInteger failed = new AtomicInteger();
    ConcurrentLinkedQueue<String> errors = new ConcurrentLinkedQueue<>();
    long deadline = System.currentTimeMillis() + timeoutMs;
    for (int i = 0; i < cs.size(); i++) {
      long left = deadline - System.currentTimeMillis();
      if (left <= 0 || !sem.tryAcquire(left, TimeUnit.MILLISECONDS)) {
        for (int j = i; j < cs.size(); j++) {
          failed.incrementAndGet();
          done.countDown();
        }
        break;
      }
      BenchClient c = cs.get(i);
      WebSocketClient wc = clients.get(i % clients.size());
      Future<BenchClient> f = c.connect(wc, host, c.port > 0 ? c.port : port, l);
      f.onComplete(
          ar -> {
            sem.release();
            if (ar.failed()) {
              failed.incrementAndGet();
              if (errors.size() < 10) {
                errors.add(ar.cause().toString());
              }
            }
            done.countDown();
          });
    }
    done.await(Math.max(1, deadline - System.currentTimeMillis()), TimeUnit.MILLISECONDS);
    awaitCondition(
        () -> cs.stream().filter(c -> c.ws != null && !c.closed).allMatch(ready),
        Math.max(1, deadline - System.currentTimeMillis()));
    int ok = (int) cs.stream().filter(c -> c.ws != null && !c.closed && ready.test(c)).count();
    return new ConnectResult(
        ok, cs.size() - ok, (System.nanoTime() - t0) / 1e9, new ArrayList<>(errors));
  }

  private String host = "127.0.0.1";
  private int port;

  Load target(String host, int port) {
    this.host = host;
    this.port = port;
    return this;
  }

  /** Polls {@code cond} every 5 ms until it holds or {@code timeoutMs} passes. */
  static boolean awaitCondition(BooleanSupplier cond, long timeoutMs) throws InterruptedException {
    long deadline = System.currentTimeMillis() + timeoutMs;
    while (System.currentTimeMillis() < deadline) {
      if (cond.getAsBoolean()) {
        return true;
      }
      Thread.sleep(5);
    }
    return cond.getAsBoolean();
  }

  static void closeAll(List<BenchClient> cs) throws InterruptedException {
    CountDownLatch l = new CountDownLatch(cs.size());
    for (BenchClient c : cs) {
      c.close().onComplete(ar -> l.countDown());
    }
    l.await(30, TimeUnit.SECONDS);
  }

  @Override
  public void close() {
    try {
      vertx.close().await(20, TimeUnit.SECONDS);
    } catch (Exception e) {
      // best effort
    }
  }
}
