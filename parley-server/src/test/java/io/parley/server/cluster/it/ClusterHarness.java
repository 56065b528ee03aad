package io.parley.server.cluster.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.it.JdkClient;
import io.parley.server.testsupport.ChildNodes;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestRedis;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Real cluster processes for the cluster ITs: nodes as child JVMs ({@code io.parley.server.Main})
 * on one PostgreSQL database and one Redis key prefix, sharing a JWT secret, plus optionally nginx
 * in front of them. Everything is torn down by {@link #close}.
 */
final class ClusterHarness implements AutoCloseable {
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  final Path dir;
  final TestDatabases.TestDb db;
  final TestRedis.Keys keys;
  final String redisUrl;
  final String secret;
  final Map<Integer, Node> nodes = new HashMap<>();

  /** Environment added to (or overriding) every node's, e.g. to turn limits on. */
  final Map<String, String> extraEnv = new HashMap<>();

  private final List<Process> others = new ArrayList<>();

  /** One node process. */
  record Node(int id, int port, Process process, Path log) {
    String base() {
      return "http://127.0.0.1:" + port;
    }
  }

  /** Cluster on the shared test Redis ({@link TestRedis#keys()}). */
  ClusterHarness() throws IOException {
    this(null);
  }

  /** Cluster on the Redis at {@code redisUrl} (null: the shared test Redis). */
  ClusterHarness(String redisUrl) throws IOException {
    this.dir = Files.createTempDirectory("parley-cluster-");
    this.db = TestDatabases.postgres();
    this.keys = TestRedis.keys();
    this.redisUrl = redisUrl != null ? redisUrl : keys.url();
    byte[] key = new byte[32];
    new java.security.SecureRandom().nextBytes(key);
    this.secret = Base64.getEncoder().encodeToString(key);
  }

  Map<String, String> env(int id, int port) {
    Map<String, String> env = new HashMap<>();
    env.put("PARLEY_NODE_ID", Integer.toString(id));
    env.put("PARLEY_SERVER_PORT", Integer.toString(port));
    env.put("PARLEY_SERVER_HOST", "127.0.0.1");
    env.put("PARLEY_SERVER_EVENT_LOOPS", "2");
    env.put("PARLEY_STORE_TYPE", "postgres");
    env.put("PARLEY_STORE_POSTGRES_URL", db.config().postgresUrl());
    env.put("PARLEY_STORE_POSTGRES_USER", db.config().postgresUser());
    env.put("PARLEY_STORE_POSTGRES_PASSWORD", "");
    env.put("PARLEY_STORE_POOL_SIZE", "4");
    env.put("PARLEY_STORE_DATA_DIR", dir.resolve("data-" + id).toString());
    env.put("PARLEY_AUTH_JWT_SECRET", secret);
    env.put("PARLEY_AUTH_ARGON2_MEMORY_KIB", "1024");
    env.put("PARLEY_AUTH_ARGON2_ITERATIONS", "1");
    env.put("PARLEY_CLUSTER_REDIS_URL", redisUrl);
    env.put("PARLEY_CLUSTER_KEY_PREFIX", keys.prefix());
    env.put("PARLEY_CLUSTER_HEARTBEAT_MS", "300");
    env.put("PARLEY_CLUSTER_LEASE_TTL_MS", "1500");
    env.put("PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "5");
    // every test user and connection comes from 127.0.0.1: per-address limits would refuse them
    env.put("PARLEY_LIMITS_ENABLED", "false");
    env.putAll(extraEnv);
    return env;
  }

  /** Starts nodes 1..{@code count}, each ready; returns them in id order. */
  List<Node> startNodes(int count) throws Exception {
    List<Node> started = new ArrayList<>();
    for (int id = 1; id <= count; id++) {
      started.add(start(id));
    }
    return started;
  }

  /**
   * Starts node {@code id} and waits until it is ready. A port from {@link #freePort} can be taken
   * by another process before the node binds it (parallel test JVMs, ephemeral client ports): a
   * node that dies of that is started again on another port, up to three times.
   */
  Node start(int id) throws Exception {
    Path log = dir.resolve("node-" + id + ".log");
    for (int attempt = 1; ; attempt++) {
      int port = freePort();
      Node n = new Node(id, port, spawn(env(id, port), log), log);
      nodes.put(id, n);
      try {
        awaitReady(n);
        return n;
      } catch (IllegalStateException e) {
        if (attempt == 3 || !String.valueOf(e.getMessage()).contains("Address already in use")) {
          throw e;
        }
        n.process().waitFor();
      }
    }
  }

  /** Starts a node process with {@code env}; does not wait. */
  Process spawn(Map<String, String> env, Path log) throws IOException {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java,
            "-Xmx256m",
            "-XX:TieredStopAtLevel=1",
            "-XX:+UseSerialGC",
            "-cp",
            System.getProperty("java.class.path"),
            "io.parley.server.Main");
    pb.environment().putAll(env);
    Files.createDirectories(dir);
    pb.redirectErrorStream(true).redirectOutput(log.toFile());
    Process p = pb.start();
    others.add(p);
    return p;
  }

  void awaitReady(Node n) {
    ChildNodes.awaitReady(n.process(), n.base(), n.log());
  }

  static HttpResponse<String> get(String url) throws IOException, InterruptedException {
    return HTTP.send(
        HttpRequest.newBuilder(URI.create(url)).timeout(Duration.ofSeconds(5)).build(),
        HttpResponse.BodyHandlers.ofString());
  }

  /** A REST call; returns the parsed body (null when empty), failing on a status >= 400. */
  static JsonNode call(String base, String method, String path, String token, String body) {
    JdkClient.Res r = JdkClient.call(base, method, path, token, body, Duration.ofSeconds(20));
    if (r.status() >= 400) {
      throw new IllegalStateException(method + " " + path + " -> " + r.status() + r.body());
    }
    return r.body();
  }

  /** A user with one logged-in device. */
  record User(long id, long deviceId, String token, String name) {}

  static User signup(String base, String name) {
    call(
        base,
        "POST",
        "/v1/auth/signup",
        null,
        "{\"username\":\"" + name + "\",\"password\":\"correct horse battery\"}");
    return login(base, name);
  }

  static User login(String base, String name) {
    JsonNode r =
        call(
            base,
            "POST",
            "/v1/auth/login",
            null,
            "{\"username\":\"" + name + "\",\"password\":\"correct horse battery\"}");
    return new User(
        r.get("user_id").asLong(),
        r.get("device_id").asLong(),
        r.get("access_token").asText(),
        name);
  }

  /** The direct conversation of {@code me} with {@code other}, created through {@code base}. */
  static long direct(String base, User me, User other) {
    return call(
            base,
            "POST",
            "/v1/conversations/direct",
            me.token(),
            "{\"user_id\":\"" + other.id() + "\"}")
        .get("conversation_id")
        .asLong();
  }

  /** A WebSocket of {@code u} to the node at {@code base}, once its backlog replay is done. */
  static io.parley.server.it.JdkWebSocket connected(String base, User u) throws Exception {
    io.parley.server.it.JdkWebSocket c =
        io.parley.server.it.JdkWebSocket.connect(base, u.token(), Duration.ofSeconds(15));
    org.awaitility.Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .until(() -> !c.ofType("synced").isEmpty());
    return c;
  }

  /**
   * The value of a series in the node's {@code /metrics}: the first line that is {@code series} (a
   * name, or a name with its labels) followed by a space or by labels; empty if there is none
   * (Micrometer shows a tagged counter only once it has been used).
   */
  static java.util.OptionalLong metric(String base, String series) throws Exception {
    for (String line : get(base + "/metrics").body().split("\n")) {
      if (line.startsWith(series + " ") || line.startsWith(series + "{")) {
        return java.util.OptionalLong.of(
            (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1)));
      }
    }
    return java.util.OptionalLong.empty();
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }

  /** Starts nginx (Debian package) in front of the running nodes; returns its port. */
  Nginx nginx() throws Exception {
    return Nginx.start(dir.resolve("nginx"), nodes.values().stream().map(Node::port).toList());
  }

  @Override
  public void close() {
    for (Process p : others) {
      p.destroyForcibly();
    }
    for (Process p : others) {
      try {
        p.waitFor(10, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    keys.close();
    db.close();
  }
}
