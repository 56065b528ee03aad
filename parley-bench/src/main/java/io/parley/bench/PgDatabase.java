package io.parley.bench;

import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Locale;
import java.util.UUID;

/**
 * A fresh PostgreSQL database for one bench run, created on the server of {@code adminUrl} (any
 * database there the user may connect to) and dropped {@code WITH (FORCE)} on {@link #close()}.
 */
final class PgDatabase implements AutoCloseable {
  static final String DEFAULT_ADMIN_URL = "jdbc:postgresql://127.0.0.1:5432/postgres";
  static final String DEFAULT_USER = "postgres";

  final String name;
  final String url;
  final String user;
  final String password;
  private final String adminUrl;

  private PgDatabase(String name, String url, String adminUrl, String user, String password) {
    this.name = name;
    this.url = url;
    this.adminUrl = adminUrl;
    this.user = user;
    this.password = password;
  }

  static PgDatabase create(String adminUrl, String user, String password) {
    String admin = adminUrl == null ? DEFAULT_ADMIN_URL : adminUrl;
    String u = user == null ? DEFAULT_USER : user;
    String pw = password == null ? "" : password;
    String name = "parley_bench_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
    try (Connection c = DriverManager.getConnection(admin, u, pw);
        Statement s = c.createStatement()) {
      s.execute("CREATE DATABASE " + name);
    } catch (SQLException e) {
      throw new IllegalStateException(
          "cannot create a bench database on " + admin + " as " + u + ": " + e.getMessage(), e);
    }
    return new PgDatabase(name, withDatabase(admin, name), admin, u, pw);
  }

  /** {@code jdbc:postgresql://host:port/db?params} with {@code db} replaced by {@code name}. */
  static String withDatabase(String url, String name) {
    int hosts = url.indexOf("//");
    int slash = url.indexOf('/', hosts + 2);
    int q = url.indexOf('?', Math.max(slash, 0));
    String head = slash < 0 ? (q < 0 ? url : url.substring(0, q)) : url.substring(0, slash);
    String tail = q < 0 ? "" : url.substring(q);
    return head + "/" + name + tail;
  }

  /** True if database {@code name} exists on the server of {@code adminUrl}. */
  static boolean exists(String adminUrl, String user, String password, String name)
      throws SQLException {
    try (Connection c =
            DriverManager.getConnection(
                adminUrl == null ? DEFAULT_ADMIN_URL : adminUrl,
                user == null ? DEFAULT_USER : user,
                password == null ? "" : password);
        PreparedStatement p = c.prepareStatement("SELECT 1 FROM pg_database WHERE datname = ?")) {
      p.setString(1, name.toLowerCase(Locale.ROOT));
      try (ResultSet r = p.executeQuery()) {
        return r.next();
      }
    }
  }

  @Override
  public void close() {
    try (Connection c = DriverManager.getConnection(adminUrl, user, password);
        Statement s = c.createStatement()) {
      s.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)");
    } catch (SQLException e) {
      System.err.println("cannot drop bench database " + name + ": " + e.getMessage());
    }
  }
}
