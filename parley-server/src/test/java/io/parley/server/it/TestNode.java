package io.parley.server.it;

import io.parley.client.Api;
import io.parley.client.ClientOptions;
import io.parley.client.ParleyClient;
import io.parley.client.ParleyHttp;
import io.parley.server.ParleyNode;
import io.parley.server.config.ConfigLoader;
import io.parley.server.config.ParleyConfig;
import io.vertx.core.Vertx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * A real node on a free port with its own SQLite file (or any store overrides), plus helpers to
 * make users and connected clients. Closing it closes every client it made and the node.
 */
public final class TestNode implements AutoCloseable {
  private final Path dataDir;
  private final Map<String, String> overrides;
  private final List<ParleyClient> clients = new ArrayList<>();
  private final Vertx clientVertx = Vertx.vertx();
  private ParleyNode node;

  private TestNode(Path dataDir, Map<String, String> overrides) {
    this.dataDir = dataDir;
    this.overrides = overrides;
  }

  /** A node on SQLite in a fresh temp dir; {@code extra} are dotted config overrides. */
  public static TestNode start(Map<String, String> extra) {
    try {
      Path dir = Files.createTempDirectory("parley-it-");
      Map<String, String> o = new HashMap<>(baseOverrides(dir));
      o.putAll(extra);
      TestNode t = new TestNode(dir, o);
      t.node = ParleyNode.start(t.config());
      return t;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  public static TestNode start() {
    return start(Map.of());
  }

  /** Test-speed settings: cheap Argon2, a fixed JWT secret so restarts keep tokens valid. */
  public static Map<String, String> baseOverrides(Path dataDir) {
    Map<String, String> o = new HashMap<>();
    o.put("server.port", "0");
    o.put("server.host", "127.0.0.1");
    o.put("store.data_dir", dataDir.toString());
    o.put("auth.argon2_memory_kib", "1024");
    o.put("auth.argon2_iterations", "1");
    o.put("auth.jwt_secret", "dGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtdGVzdC1zZWNyZXQtMTIzNDU2Nzg5MA==");
    o.put("server.shutdown_grace_seconds", "2");
    // tests make many users and connections from one address; RateLimitIT turns limits on
    o.put("limits.enabled", "false");
    return o;
  }

  public ParleyConfig config() {
    return ConfigLoader.load(null, Map.of(), overrides);
  }

  /** Stops the node (gracefully) and starts it again on the same data, same port if possible. */
  public void restart() {
    int port = node.port();
    node.close();
    overrides.put("server.port", Integer.toString(port));
    node = ParleyNode.start(config());
  }

  public ParleyNode node() {
    return node;
  }

  public String baseUrl() {
    return "http://127.0.0.1:" + node.port();
  }

  public Path dataDir() {
    return dataDir;
  }

  public ParleyHttp http() {
    return new ParleyHttp(baseUrl());
  }

  /** Signs up a user with a unique name and logs in one device. */
  public TestUser user(String prefix) {
    String name = prefix + "_" + UUID.randomUUID().toString().substring(0, 8);
    ParleyHttp http = http();
    Api.Session s = http.signupAndLogin(name, "correct horse battery");
    return new TestUser(this, name, s);
  }

  /** Logs in another device of an existing user. */
  public TestUser device(TestUser u, String deviceName) {
    Api.Session s = http().login(u.username(), "correct horse battery", deviceName);
    return new TestUser(this, u.username(), s);
  }

  /** Connects a client for the session and waits for hello. */
  public ParleyClient connect(Api.Session s) {
    return connect(new ClientOptions(baseUrl(), s.accessToken()));
  }

  public ParleyClient connect(ClientOptions o) {
    ParleyClient c = ParleyClient.connect(o.vertx(clientVertx));
    synchronized (clients) {
      clients.add(c);
    }
    return c;
  }

  /**
   * Sends {@code ping} and waits for its {@code pong}: the positive marker after which a test may
   * assert that nothing else arrived (frames are processed and answered in order).
   */
  public static void pingPong(ParleyClient c) {
    int pongs = c.inbox().frames("pong").size();
    c.ping();
    org.awaitility.Awaitility.await()
        .atMost(java.time.Duration.ofSeconds(5))
        .until(() -> c.inbox().frames("pong").size() > pongs);
  }

  public ClientOptions options(Api.Session s) {
    return new ClientOptions(baseUrl(), s.accessToken()).vertx(clientVertx);
  }

  @Override
  public void close() {
    synchronized (clients) {
      clients.forEach(ParleyClient::close);
    }
    if (node != null) {
      node.close();
    }
    clientVertx.close();
  }

  /** A logged-in device of a user. */
  public record TestUser(TestNode node, String username, Api.Session session) {
    public String id() {
      return session.userId();
    }

    public ParleyHttp http() {
      return node.http().as(session);
    }

    public ParleyClient connect() {
      return node.connect(session);
    }
  }
}
