package io.parley.server.testsupport;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.UUID;
import org.awaitility.Awaitility;
import redis.embedded.RedisServer;

/**
 * Real Redis servers for tests, never skipped.
 *
 * <ul>
 *   <li>{@link #keys()}: a unique key prefix on the server chosen once per JVM by the system
 *       property {@code parley.test.redis}: {@code auto} (default) uses the Redis on {@code
 *       127.0.0.1:6379} if it answers {@code PING}, else an embedded one; {@code local} requires
 *       that server (fails if unreachable); {@code embedded} always starts one embedded {@code
 *       redis-server} (from the {@code com.github.codemonstur:embedded-redis} artifact, which ships
 *       the binaries) per JVM. {@link Keys#close()} deletes every key under the prefix.
 *   <li>{@link #startEmbedded()}: a separate embedded server on a free port that a test can stop
 *       and start again (to test outages), closed by the test.
 * </ul>
 */
public final class TestRedis {
  /** System property choosing the Redis server: auto, local or embedded. */
  public static final String PROPERTY = "parley.test.redis";

  private static final String LOCAL_HOST = "127.0.0.1";
  private static final int LOCAL_PORT = 6379;

  private static Server server;
  private static Embedded shared;

  private TestRedis() {}

  /** A Redis server address with a description for reports. */
  public record Server(String host, int port, String description) {
    public String url() {
      return "redis://" + host + ":" + port;
    }

    public Resp connect() {
      return new Resp(host, port);
    }
  }

  /** A unique key prefix on a server; {@link #close()} deletes the keys under it. */
  public record Keys(Server server, String prefix) implements AutoCloseable {
    public String url() {
      return server.url();
    }

    /** Number of keys currently under the prefix. */
    public int count() {
      try (Resp r = server.connect()) {
        return scan(r, prefix + "*").size();
      }
    }

    @Override
    public void close() {
      try (Resp r = server.connect()) {
        List<String> found = scan(r, prefix + "*");
        for (String k : found) {
          r.call("DEL", k);
        }
      }
    }
  }

  /** A fresh key prefix on the server chosen by {@code -Dparley.test.redis}. */
  public static Keys keys() {
    return keysOn(server());
  }

  /** A fresh key prefix on the shared embedded server, whatever the property says. */
  public static Keys keysEmbedded() {
    return keysOn(sharedEmbedded().server());
  }

  /** A fresh key prefix on server {@code s} (e.g. an {@link Embedded} one of the test). */
  public static Keys keysOn(Server s) {
    return new Keys(s, "pt" + UUID.randomUUID().toString().replace("-", "").substring(0, 12) + ":");
  }

  /** Describes the server {@link #keys()} uses. */
  public static synchronized Server server() {
    if (server == null) {
      String mode = System.getProperty(PROPERTY, "auto").toLowerCase(Locale.ROOT);
      server =
          switch (mode) {
            case "local" -> {
              if (!localAnswers()) {
                throw new IllegalStateException(
                    "-D" + PROPERTY + "=local but no Redis answers on 127.0.0.1:6379");
              }
              yield localServer();
            }
            case "embedded" -> sharedEmbedded().server();
            case "auto" -> localAnswers() ? localServer() : sharedEmbedded().server();
            default -> throw new IllegalStateException("bad -D" + PROPERTY + "=" + mode);
          };
    }
    return server;
  }

  private static Server localServer() {
    return new Server(LOCAL_HOST, LOCAL_PORT, "local server 127.0.0.1:6379");
  }

  private static boolean listening(String host, int port) {
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), 500);
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean localAnswers() {
    if (!listening(LOCAL_HOST, LOCAL_PORT)) {
      return false;
    }
    try (Resp r = new Resp(LOCAL_HOST, LOCAL_PORT)) {
      return "PONG".equals(r.call("PING"));
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static synchronized Embedded sharedEmbedded() {
    if (shared == null) {
      Embedded e = startEmbedded();
      Runtime.getRuntime().addShutdownHook(new Thread(e::close, "embedded-redis-shutdown"));
      shared = e;
    }
    return shared;
  }

  /** Starts a new embedded redis-server on a free port; the caller closes it. */
  public static Embedded startEmbedded() {
    Embedded e = new Embedded(freePort());
    e.start();
    return e;
  }

  /** An embedded redis-server process that can be stopped and started again on its port. */
  public static final class Embedded implements AutoCloseable {
    private final int port;
    private final RedisServer process;

    Embedded(int port) {
      this.port = port;
      try {
        this.process =
            RedisServer.newRedisServer()
                .port(port)
                .bind(LOCAL_HOST)
                .setting("save \"\"")
                .setting("appendonly no")
                .onShutdownForceStop(true)
                .build();
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot prepare embedded redis-server", ex);
      }
    }

    public Server server() {
      return new Server(LOCAL_HOST, port, "embedded redis-server port " + port);
    }

    public int port() {
      return port;
    }

    /** Starts the process and waits until it answers PING. */
    public void start() {
      try {
        process.start();
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot start embedded redis-server on " + port, ex);
      }
      try (Resp r = server().connect()) {
        if (!"PONG".equals(r.call("PING"))) {
          throw new IllegalStateException("embedded redis-server does not answer PING");
        }
      }
    }

    /**
     * Stops the process and waits until its port refuses connections (its data is lost: it runs
     * without persistence).
     */
    public void stop() {
      try {
        process.stop();
      } catch (IOException ex) {
        throw new UncheckedIOException("cannot stop embedded redis-server", ex);
      }
      Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !listening(LOCAL_HOST, port));
    }

    public boolean isActive() {
      return process.isActive();
    }

    @Override
    public void close() {
      if (process.isActive()) {
        stop();
      }
    }
  }

  @SuppressWarnings("unchecked")
  static List<String> scan(Resp r, String pattern) {
    java.util.ArrayList<String> keys = new java.util.ArrayList<>();
    String cursor = "0";
    do {
      List<Object> reply = (List<Object>) r.call("SCAN", cursor, "MATCH", pattern, "COUNT", "1000");
      cursor = (String) reply.get(0);
      for (Object k : (List<Object>) reply.get(1)) {
        keys.add((String) k);
      }
    } while (!"0".equals(cursor));
    return keys;
  }

  private static int freePort() {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getByName(LOCAL_HOST))) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
