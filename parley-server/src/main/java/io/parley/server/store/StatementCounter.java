package io.parley.server.store;

import java.lang.reflect.InvocationHandler;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.lang.reflect.Proxy;
import java.sql.CallableStatement;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.Statement;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Counts the statements prepared or created on connections handed out by {@link Database} while
 * counting is on, and each execution of them (for tests that bound how many store round trips an
 * operation costs: a statement prepared once and executed per row costs a round trip per row; a
 * JDBC batch ({@code executeBatch}) is one execution, the driver pipelines it).
 */
final class StatementCounter {
  private static final Set<String> STATEMENT_METHODS =
      Set.of("prepareStatement", "createStatement", "prepareCall");
  private static final Set<String> EXECUTE_METHODS =
      Set.of(
          "execute",
          "executeQuery",
          "executeUpdate",
          "executeLargeUpdate",
          "executeBatch",
          "executeLargeBatch");

  private StatementCounter() {}

  static Connection wrap(Connection c, Consumer<String> prepared, Consumer<String> executed) {
    InvocationHandler h =
        (proxy, method, args) -> {
          Object result = invoke(c, method, args);
          if (STATEMENT_METHODS.contains(method.getName())) {
            String sql = args != null && args.length > 0 ? String.valueOf(args[0]) : "";
            prepared.accept(sql);
            return countExecutions((Statement) result, sql, executed);
          }
          return result;
        };
    return (Connection)
        Proxy.newProxyInstance(
            Connection.class.getClassLoader(), new Class<?>[] {Connection.class}, h);
  }

  private static Statement countExecutions(Statement s, String sql, Consumer<String> executed) {
    Class<?> type =
        s instanceof CallableStatement
            ? CallableStatement.class
            : s instanceof PreparedStatement ? PreparedStatement.class : Statement.class;
    InvocationHandler h =
        (proxy, method, args) -> {
          if (EXECUTE_METHODS.contains(method.getName())) {
            executed.accept(args != null && args.length > 0 ? String.valueOf(args[0]) : sql);
          }
          return invoke(s, method, args);
        };
    return (Statement)
        Proxy.newProxyInstance(Statement.class.getClassLoader(), new Class<?>[] {type}, h);
  }

  private static Object invoke(Object target, Method method, Object[] args) throws Throwable {
    try {
      return method.invoke(target, args);
    } catch (InvocationTargetException e) {
      throw e.getCause();
    }
  }
}
