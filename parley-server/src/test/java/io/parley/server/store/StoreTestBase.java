package io.parley.server.store;

import io.parley.server.testsupport.TestDatabases.TestDb;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;

/** Opens fresh {@link Stores} on a new database of the subclass's backend for every test. */
abstract class StoreTestBase {
  private final AtomicLong ids = new AtomicLong(1000);
  private TestDb testDb;
  protected Stores stores;

  /** A new, empty database of the backend under test. */
  protected abstract TestDb newDatabase();

  @BeforeEach
  void openStores() {
    testDb = newDatabase();
    stores = testDb.open();
  }

  @AfterEach
  void closeStores() {
    try {
      if (stores != null) {
        stores.close();
      }
    } finally {
      testDb.close();
    }
  }

  protected long nextId() {
    return ids.incrementAndGet();
  }

  /**
   * Runs {@code task} on {@code threads} threads that start together; returns their results in
   * thread order, rethrowing the first failure.
   */
  protected static <T> List<T> concurrently(int threads, ThreadTask<T> task) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      CountDownLatch start = new CountDownLatch(1);
      List<Future<T>> futures = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int index = t;
        Callable<T> call =
            () -> {
              start.await();
              return task.run(index);
            };
        futures.add(pool.submit(call));
      }
      start.countDown();
      List<T> out = new ArrayList<>();
      for (Future<T> f : futures) {
        out.add(f.get());
      }
      return out;
    } finally {
      pool.shutdownNow();
    }
  }

  /** The work of one thread in {@link #concurrently}. */
  @FunctionalInterface
  protected interface ThreadTask<T> {
    T run(int thread) throws Exception;
  }
}
