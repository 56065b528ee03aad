package io.parley.server.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.Connection;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Counts the statements prepared or created on connections handed out by {@link Database} while
 * counting is on (for tests that bound how many store round trips an operation costs).
 */
final class StatementCounter {
  private static final Set<String> STATEMENT_METHODS =
      Set.of("prepareStatement", "createStatement", "prepareCall");

  private StatementCounter() {}

  static Connection wrap(Connection c, Consumer<String> counter) {
    InvocationHandler h =
        (proxy, method, args) -> {
          if (STATEMENT_METHODS.contains(method.getName())) {
            counter.accept(args != null && args.length > 0 ? String.valueOf(args[0]) : "");
          }
          return invoke(c, method, args);
        };
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private static Object invoke(Connection c, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(c, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
