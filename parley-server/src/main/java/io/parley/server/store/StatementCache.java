package io.parley.server.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Keeps the statements prepared on one connection (the SQLite writer) open for reuse, keyed by
 * their SQL, because SQLite compiles a statement (and every trigger it fires) on each prepare:
 * profiled at 4,000 msg/s, preparing was a fifth of the writer thread's time.
 *
 * <p>{@link #connection} hands out a connection whose {@code prepareStatement(sql)} returns the
 * cached statement of {@code sql} when it is not in use; closing it only clears its parameters and
 * batch and returns it to the cache. A statement asked for while its cached twin is open (nested
 * use of the same SQL) is prepared anew and really closed. At most {@code capacity} statements are
 * kept; the least recently used one is closed. Only for a connection used by one thread at a time
 * (the writer connection, under its lock); {@link #close} closes every cached statement.
 */
final class StatementCache implements AutoCloseable {
  private final Connection target;
  private final Connection proxy;
  private final Map<String, Cached> entries;

  private static final class Cached {
    final PreparedStatement real;
    final PreparedStatement handle;
    boolean inUse;

    Cached(PreparedStatement real, PreparedStatement handle) {
      this.real = real;
      this.handle = handle;
    }
  }

  StatementCache(Connection target, int capacity) {
    this.target = target;
    this.entries =
        new LinkedHashMap<>(capacity * 2, 0.75f, true) {
          @Override
          protected boolean removeEldestEntry(Map.Entry<String, Cached> eldest) {
            if (size() > capacity && !eldest.getValue().inUse) {
              closeQuietly(eldest.getValue().real);
              return true;
            }
            return false;
          }
        };
    InvocationHandler h =
        (p, method, args) -> {
          if ("prepareStatement".equals(method.getName())
              && args != null
              && args.length == 1
              && args[0] instanceof String sql) {
            return prepare(sql);
          }
          return invoke(target, method, args);
        };
    this.proxy =
        (Connection)
            Proxy.newProxyInstance(
                Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  /** The connection to hand to work: prepares through the cache, everything else as is. */
  Connection connection() {
    return proxy;
  }

  /** Statements currently cached (for tests). */
  int size() {
    return entries.size();
  }

  private PreparedStatement prepare(String sql) throws SQLException {
    Cached e = entries.get(sql);
    if (e != null && !e.inUse && e.real.isClosed()) {
      entries.remove(sql);
      e = null;
    }
    if (e != null) {
      if (e.inUse) {
        return target.prepareStatement(sql); // nested use of the same SQL: a one-off
      }
      e.inUse = true;
      return e.handle;
    }
    PreparedStatement real = target.prepareStatement(sql);
    Cached[] self = new Cached[1];
    InvocationHandler h =
        (p, method, args) -> {
          if ("close".equals(method.getName()) && (args == null || args.length == 0)) {
            release(self[0]);
            return null;
          }
          if ("isClosed".equals(method.getName()) && (args == null || args.length == 0)) {
            return !self[0].inUse || real.isClosed();
          }
          return invoke(real, method, args);
        };
    PreparedStatement handle =
        (PreparedStatement)
            Proxy.newProxyInstance(
                PreparedStatement.class.getClassLoader(),
                new Class<?>[] {PreparedStatement.class},
                h);
    Cached entry = new Cached(real, handle);
    self[0] = entry;
    entry.inUse = true;
    entries.put(sql, entry);
    return handle;
  }

  private static void release(Cached e) throws SQLException {
    if (!e.inUse) {
      return;
    }
    e.inUse = false;
    try {
      java.sql.ResultSet open = e.real.getResultSet();
      if (open != null) {
        open.close();
      }
      e.real.clearBatch();
      e.real.clearParameters();
    } catch (SQLException ex) {
      e.real.close(); // unusable: drop it; the next prepare of its SQL replaces it
      throw ex;
    }
  }

  @Override
  public void close() {
    List<Cached> all = new ArrayList<>(entries.values());
    entries.clear();
    for (Cached e : all) {
      closeQuietly(e.real);
    }
  }

  private static void closeQuietly(PreparedStatement ps) {
    try {
      ps.close();
    } catch (SQLException ignored) {
      // closing a cached statement: nothing to do about it
    }
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
