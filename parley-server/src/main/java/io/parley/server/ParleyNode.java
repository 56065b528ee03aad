package io.parley.server;

import io.parley.server.config.ParleyConfig;
import io.parley.server.http.Http;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.handler.BodyHandler;
import java.time.Clock;
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
  private final HttpServer server;
  private volatile boolean stopped;

  private ParleyNode(ParleyConfig config, Vertx vertx, Wiring wiring, HttpServer server) {
    this.config = config;
    this.vertx = vertx;
    this.wiring = wiring;
    this.server = server;
  }

  /** Builds and starts a node; blocks until it listens. */
  public static ParleyNode start(ParleyConfig config) {
    return start(config, Clock.systemUTC());
  }

  public static ParleyNode start(ParleyConfig config, Clock clock) {
    Vertx vertx = Vertx.vertx();
    Wiring w;
    try {
      w = Wiring.build(config, vertx, clock);
    } catch (RuntimeException e) {
      vertx.close();
      throw e;
    }
    Router router = Router.router(vertx);
    router
        .route("/v1/*")
        .handler(BodyHandler.create(false).setBodyLimit(config.server().maxBodyBytes()));
    w.mount(router);
    router.route().failureHandler(ctx -> Http.failByStatus(ctx));
    router
        .route()
        .last()
        .handler(
            ctx -> Http.fail(ctx, io.parley.server.http.ApiException.notFound("no such endpoint")));

    HttpServerOptions opts =
        new HttpServerOptions()
            .setHost(config.server().host())
            .setPort(config.server().port())
            // hard cap at the socket; the configured limit is enforced by the gateway, which
            // can then close with 1009 instead of a dropped connection
            .setMaxWebSocketFrameSize(4 * config.websocket().maxFrameBytes())
            .setMaxWebSocketMessageSize(4 * config.websocket().maxFrameBytes())
            .setWebSocketClosingTimeout(5)
            .setTcpNoDelay(true)
            .setReuseAddress(true);
    HttpServer server =
        vertx
            .createHttpServer(opts)
            .requestHandler(router)
            .webSocketHandshakeHandler(w.gateway()::handshake)
            .webSocketHandler(w.gateway()::handle);
    try {
      server.listen().await(30, TimeUnit.SECONDS);
    } catch (Exception e) {
      w.close();
      vertx.close();
      throw new IllegalStateException(
          "cannot listen on port " + config.server().port() + ": " + e.getMessage(), e);
    }
    w.gateway().start();
    ParleyNode node = new ParleyNode(config, vertx, w, server);
    log.info("Parley node {} listening on port {}", config.node().id(), node.port());
    return node;
  }

  public int port() {
    return server.actualPort();
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
    wiring.gateway().drain(1000);
    try {
      Thread.sleep(Math.min(500, config.server().shutdownGraceSeconds() * 1000L));
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    wiring.gateway().stop();
    Future<Void> closed = server.close();
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
