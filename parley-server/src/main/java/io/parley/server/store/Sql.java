package io.parley.server.store;

import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;

/** Small JDBC helpers shared by the stores. */
final class Sql {
  private Sql() {}

  /**
   * Binds {@code values} to the parameters of {@code ps}, in order; null becomes an untyped NULL.
   */
  static PreparedStatement bind(PreparedStatement ps, Object... values) throws SQLException {
    for (int i = 0; i < values.length; i++) {
      Object v = values[i];
      switch (v) {
        case null -> ps.setNull(i + 1, Types.NULL);
        case Long l -> ps.setLong(i + 1, l);
        case Integer n -> ps.setLong(i + 1, n);
        case String s -> ps.setString(i + 1, s);
        default -> throw new IllegalArgumentException("cannot bind " + v.getClass());
      }
    }
    return ps;
  }

  /** Maps the current row of a result set. */
  @FunctionalInterface
  interface RowMapper<T> {
    T map(ResultSet rs) throws SQLException;
  }

  /** Runs a query with bound {@code params} and maps every row. */
  static <T> java.util.List<T> query(
      java.sql.Connection c, String sql, RowMapper<T> row, Object... params) throws SQLException {
    try (PreparedStatement ps = bind(c.prepareStatement(sql), params);
        ResultSet rs = ps.executeQuery()) {
      java.util.List<T> out = new java.util.ArrayList<>();
      while (rs.next()) {
        out.add(row.map(rs));
      }
      return out;
    }
  }

  /** Runs a query expected to return at most one row. */
  static <T> java.util.Optional<T> queryOne(
      java.sql.Connection c, String sql, RowMapper<T> row, Object... params) throws SQLException {
    try (PreparedStatement ps = bind(c.prepareStatement(sql), params);
        ResultSet rs = ps.executeQuery()) {
      return rs.next() ? java.util.Optional.of(row.map(rs)) : java.util.Optional.empty();
    }
  }

  /** {@code n} copies of {@code item} joined by commas, e.g. the placeholders of an IN list. */
  static String repeat(String item, int n) {
    return String.join(", ", java.util.Collections.nCopies(n, item));
  }

  /**
   * {@code values} padded to the next power of two by repeating the last one, for {@code IN} and
   * {@code VALUES} lookups (where a repeated value changes nothing): lists of any length then take
   * few statement shapes, which the SQLite writer's statement cache keeps prepared.
   */
  static <T> java.util.List<T> padded(java.util.List<T> values) {
    int shape = Integer.highestOneBit(values.size() * 2 - 1);
    java.util.List<T> out = new java.util.ArrayList<>(shape);
    out.addAll(values);
    while (out.size() < shape) {
      out.add(values.getLast());
    }
    return out;
  }

  /** Binds a nullable string (typed NULL, which PostgreSQL needs). */
  static void setString(PreparedStatement ps, int index, String value) throws SQLException {
    if (value == null) {
      ps.setNull(index, Types.VARCHAR);
    } else {
      ps.setString(index, value);
    }
  }

  /** A nullable BIGINT column. */
  static Long longOrNull(ResultSet rs, String column) throws SQLException {
    long v = rs.getLong(column);
    return rs.wasNull() ? null : v;
  }
}
