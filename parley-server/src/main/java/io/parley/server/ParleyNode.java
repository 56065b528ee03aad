package io.parley.server;

import io.parley.server.config.ParleyConfig;
import io.parley.server.edge.EdgeServer;
import io.parley.server.http.Http;
import io.parley.server.ops.StartupPhases;
import io.parley.server.store.Stores;
import io.vertx.core.DeploymentOptions;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Clock;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One Parley node: the composition root. Wiring is by hand and split per feature ({@link Wiring});
 * this class owns the lifecycle: start, and a graceful stop that tells clients to reconnect,
 * commits what is queued and closes the store.
 */
public final class ParleyNode implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ParleyNode.class);

  private final ParleyConfig config;
  private final Vertx vertx;
  private final Wiring wiring;
  private final List<HttpServer> servers;
  private final EdgeServer edge;
  private volatile boolean stopped;

  private ParleyNode(
      ParleyConfig config, Vertx vertx, Wiring wiring, List<HttpServer> servers, EdgeServer edge) {
    this.config = config;
    this.vertx = vertx;
    this.wiring = wiring;
    this.servers = servers;
    this.edge = edge;
  }

  /** Builds and starts a node; blocks until it listens. */
  public static ParleyNode start(ParleyConfig config) {
    return start(config, Clock.systemUTC());
  }

  public static ParleyNode start(ParleyConfig config, Clock clock) {
    StartupPhases t = new StartupPhases();
    return start(config, clock, t, new HeadStart(t));
  }

  /**
   * The start-up work that needs no configuration, begun before the configuration is read (it runs
   * on other threads meanwhile): Vert.x with its event loops, and the SQLite native library. Handed
   * to {@link #start(ParleyConfig, Clock, StartupPhases, HeadStart)}, or closed if no node starts.
   */
  public static final class HeadStart implements AutoCloseable {
    private final CompletableFuture<Vertx> vertx;

    public HeadStart(StartupPhases t) {
      vertx = async("parley-start-vertx", () -> t.time("vertx", Vertx::vertx));
      Thread.ofPlatform()
          .name("parley-start-preload")
          .daemon()
          .start(() -> t.run("sqlite-native", Stores::preload));
    }

    Vertx vertx(StartupPhases t) {
      return t.time("vertx-wait", vertx::join);
    }

    @Override
    public void close() {
      try {
        vertx.join().close();
      } catch (RuntimeException e) {
        // Vert.x did not start: nothing to close
      }
    }
  }

  /** Runs {@code work} on a new daemon thread (the common pool may have a single thread). */
  private static <T> CompletableFuture<T> async(
      String thread, java.util.function.Supplier<T> work) {
    return CompletableFuture.supplyAsync(
        work, r -> Thread.ofPlatform().name(thread).daemon().start(r));
  }

  /**
   * Builds and starts a node on {@code head}'s Vert.x, timing its phases in {@code t}; logs one
   * INFO line with them when it listens.
   */
  public static ParleyNode start(
      ParleyConfig config, Clock clock, StartupPhases t, HeadStart head) {
    Vertx vertx;
    CompletableFuture<Stores> opening;
    try {
      // cluster settings are checked before anything opens (e.g. cluster mode needs PostgreSQL)
      io.parley.server.cluster.ClusterConfig.validate(config);
      // the store opens and migrates while Vert.x starts and the features are wired
      opening =
          async("parley-start-store", () -> t.time("store", () -> Stores.open(config.store(), t)));
      vertx = head.vertx(t);
    } catch (RuntimeException e) {
      head.close();
      throw e;
    }
    Wiring w;
    try {
      w = Wiring.build(config, vertx, clock, opening, t);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    // One HTTP server per event loop, all on one loopback port behind the front door:
    // connections spread over every loop.
    int loops = Math.max(1, config.server().eventLoops());
    List<HttpServer> servers = new CopyOnWriteArrayList<>();
    EdgeServer edge;
    try {
      // Vert.x shares one listening socket among servers with the same host and port; a
      // negative port means one random port shared by all instances (port 0 would give each
      // instance its own).
      long deploying = System.nanoTime();
      vertx
          .deployVerticle(
              () -> new HttpVerticle(config, w, -1, servers),
              new DeploymentOptions().setInstances(loops))
          .await(30, TimeUnit.SECONDS);
      t.record("http", System.nanoTime() - deploying);
      // the public port: WebSocket upgrades served on Netty directly, the rest relayed to Vert.x
      edge = t.time("edge", () -> edge(config, loops, servers.get(0).actualPort(), w));
    } catch (Exception e) {
      w.close();
      vertx.close();
      throw new IllegalStateException(
          "cannot listen on port " + config.server().port() + ": " + e.getMessage(), e);
    }
    w.gateway().start();
    io.parley.server.edge.HeadTimeouts ht = edge.headTimeouts();
    String what = "connections closed because no complete request head arrived in time";
    w.metrics().counterFn("parley_header_timeouts", what, ht::silent, "received", "nothing");
    w.metrics().counterFn("parley_header_timeouts", what, ht::partial, "received", "partial");
    ParleyNode node = new ParleyNode(config, vertx, w, servers, edge);
    if (w.cluster() != null) {
      w.cluster().onIdLost(() -> new Thread(node::close, "parley-id-lost").start());
    }
    log.info(
        "Parley node {} listening on port {} ({} event loops); started in {} ms after {} ms of JVM"
            + " start-up, phases in ms: {}",
        config.node().id(),
        node.port(),
        loops,
        t.elapsedMs(),
        t.jvmMs(),
        t.summary());
    return node;
  }

  /** Where the HTTP servers listen: loopback only, the front door relays to them. */
  private static final String BACKEND_HOST = "127.0.0.1";

  /** One HTTP server (REST, health, metrics) on its own event loop, behind the front door. */
  private static final class HttpVerticle extends VerticleBase {
    private final ParleyConfig config;
    private final Wiring wiring;
    private final int port;
    private final List<HttpServer> servers;

    HttpVerticle(ParleyConfig config, Wiring wiring, int port, List<HttpServer> servers) {
      this.config = config;
      this.wiring = wiring;
      this.port = port;
      this.servers = servers;
    }

    @Override
    public Future<?> start() {
      Router router = Router.router(vertx);
      router
          .route("/v1/*")
          .handler(BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes()));
      wiring.mount(router);
      router.route().failureHandler(Http::failByStatus);
      router
          .route()
          .last()
          .handler(
              ctx ->
                  Http.fail(ctx, io.parley.server.api.ApiException.notFound("no such endpoint")));
      HttpServerOptions opts =
          new HttpServerOptions()
              .setHost(BACKEND_HOST)
              .setPort(port)
              // the front door sends a PROXY v1 line first: requests see the client's address
              .setUseProxyProtocol(true)
              .setTcpNoDelay(true)
              .setReuseAddress(true);
      io.parley.server.http.HttpHygiene.configure(opts, config.server()); // idle timeout
      HttpServer server = vertx.createHttpServer(opts).requestHandler(router);
      return server.listen().onSuccess(servers::add);
    }
  }

  /** The front door, with TLS (F16) when {@code server.tls.cert_file} is set. */
  private static EdgeServer edge(ParleyConfig config, int loops, int backendPort, Wiring w) {
    ParleyConfig.Server s = config.server();
    InetSocketAddress backend =
        new InetSocketAddress(InetAddress.getLoopbackAddress(), backendPort);
    if (!s.tls().enabled()) {
      return EdgeServer.start(
          s.host(), s.port(), loops, firstRequestTimeoutMs(s), backend, w.gateway());
    }
    io.parley.server.edge.ReloadingTls tls =
        new io.parley.server.edge.ReloadingTls(
            java.nio.file.Path.of(s.tls().certFile()), java.nio.file.Path.of(s.tls().keyFile()));
    return EdgeServer.startTls(
        s.host(),
        s.port(),
        loops,
        firstRequestTimeoutMs(s),
        backend,
        w.gateway(),
        tls,
        s.tls().reloadCheckMs(),
        s.tls().redirectHttpPort());
  }

  /**
   * How long a new connection may take to send its first request head: the header timeout, or the
   * idle timeout if that is shorter (a connection that sends nothing is idle).
   */
  private static long firstRequestTimeoutMs(ParleyConfig.Server s) {
    long idleMs = s.idleTimeoutSeconds() > 0 ? s.idleTimeoutSeconds() * 1000L : Long.MAX_VALUE;
    return Math.min(s.headerTimeoutMs(), idleMs);
  }

  /** The redirect listener's port (TLS with {@code redirect_http_port}), else -1. */
  public int redirectPort() {
    return edge.redirectPort();
  }

  /** The public port (the front door's). */
  public int port() {
    return edge.port();
  }

  public ParleyConfig config() {
    return config;
  }

  public Wiring wiring() {
    return wiring;
  }

  /** Graceful stop: clients told to reconnect, queued messages committed, store closed. */
  @Override
  public synchronized void close() {
    if (stopped) {
      return;
    }
    stopped = true;
    if (wiring.cluster() != null) {
      wiring.cluster().drain(); // out of discovery first: new clients go to other nodes
    }
    wiring.gateway().drain(1000);
    // grace for the reconnect frames and the 1012 closes (sent 200 ms after them) to go out
    long graceMs = Math.min(500, config.server().shutdownGraceSeconds() * 1000L);
    CompletableFuture.runAsync(
            () -> {}, CompletableFuture.delayedExecutor(graceMs, TimeUnit.MILLISECONDS))
        .join();
    wiring.gateway().stop();
    edge.close();
    Future<Void> closed = Future.all(servers.stream().map(HttpServer::close).toList()).mapEmpty();
    try {
      closed.await(config.server().shutdownGraceSeconds(), TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("http server did not close in time", e);
    }
    wiring.close();
    try {
      vertx.close().await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      log.warn("vertx did not close in time", e);
    }
  }
}
