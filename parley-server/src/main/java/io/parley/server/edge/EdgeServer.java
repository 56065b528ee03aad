package io.parley.server.edge;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.WriteBufferWaterMark;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The node's public port: a plain Netty server. Each accepted connection's first request head is
 * read (at most {@link HeadSniffer#MAX_HEAD} bytes, within the header timeout); a WebSocket upgrade
 * on {@link WebSocketUpgrades#PATH} is handed to the gateway, which serves it on this Netty channel
 * with no framework in between; any other connection is spliced byte for byte to the Vert.x HTTP
 * server on a loopback port, preceded by a PROXY protocol v1 line so that server sees the real
 * client address.
 */
// Netty writes are fire-and-forget by design: failures surface through listeners or the
// channel closing, not through the returned futures
@SuppressWarnings("FutureReturnValueIgnored")
public final class EdgeServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EdgeServer.class);

  /**
   * Outbound buffer per connection: above the high mark the channel is not writable and writers
   * (the gateway's {@code Connection}, the relay) stop until it drains below the low mark.
   */
  static final WriteBufferWaterMark WATER_MARK = new WriteBufferWaterMark(32 * 1024, 64 * 1024);

  private final EventLoopGroup group;
  private final Channel server;
  private final long headerTimeoutMs;
  private final InetSocketAddress backend;
  private final WebSocketUpgrades upgrades;
  private final ReloadingTls tls;
  private final HeadTimeouts headTimeouts = new HeadTimeouts();
  private Channel redirect;

  private EdgeServer(
      String host,
      int port,
      int eventLoops,
      long headerTimeoutMs,
      InetSocketAddress backend,
      WebSocketUpgrades upgrades,
      ReloadingTls tls) {
    this.headerTimeoutMs = headerTimeoutMs;
    this.backend = backend;
    this.upgrades = upgrades;
    this.tls = tls;
    this.group =
        new MultiThreadIoEventLoopGroup(
            eventLoops, new DefaultThreadFactory("parley-edge", true), NioIoHandler.newFactory());
    try {
      this.server =
          new ServerBootstrap()
              .group(group)
              .channel(NioServerSocketChannel.class)
              .option(ChannelOption.SO_REUSEADDR, true)
              .option(ChannelOption.SO_BACKLOG, 4096)
              .childOption(ChannelOption.TCP_NODELAY, true)
              .childOption(ChannelOption.WRITE_BUFFER_WATER_MARK, WATER_MARK)
              .childHandler(
                  new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                      pipeline(ch);
                    }
                  })
              .bind(host, port)
              .syncUninterruptibly()
              .channel();
    } catch (RuntimeException e) {
      group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
      throw e;
    }
  }

  /**
   * Listens on {@code host:port} (0: a random port) with {@code eventLoops} event loops.
   *
   * @param backend the Vert.x HTTP server (PROXY protocol enabled) that serves everything else
   */
  public static EdgeServer start(
      String host,
      int port,
      int eventLoops,
      long headerTimeoutMs,
      InetSocketAddress backend,
      WebSocketUpgrades upgrades) {
    EdgeServer e = new EdgeServer(host, port, eventLoops, headerTimeoutMs, backend, upgrades, null);
    log.debug("front door on port {}, HTTP backend {}", e.port(), backend);
    return e;
  }

  /**
   * Like {@link #start(String, int, int, long, InetSocketAddress, WebSocketUpgrades)}, with TLS
   * terminated here (HTTPS/WSS; the relay to the backend stays plain on loopback): {@code tls} is
   * checked for new files every {@code reloadCheckMs}, and {@code redirectHttpPort} > 0 opens a
   * plain listener answering 308 to https.
   */
  public static EdgeServer startTls(
      String host,
      int port,
      int eventLoops,
      long headerTimeoutMs,
      InetSocketAddress backend,
      WebSocketUpgrades upgrades,
      ReloadingTls tls,
      long reloadCheckMs,
      int redirectHttpPort) {
    EdgeServer e = new EdgeServer(host, port, eventLoops, headerTimeoutMs, backend, upgrades, tls);
    try {
      long every = Math.max(100, reloadCheckMs);
      e.group.scheduleWithFixedDelay(tls::check, every, every, TimeUnit.MILLISECONDS);
      if (redirectHttpPort > 0) {
        e.redirect =
            HttpsRedirect.start(e.group, host, redirectHttpPort, e.port(), headerTimeoutMs);
      }
    } catch (RuntimeException ex) {
      e.close();
      throw ex;
    }
    log.debug("front door on port {} (TLS), HTTP backend {}", e.port(), backend);
    return e;
  }

  /**
   * The whole pipeline of a new connection, built in one place: the TLS handler (when TLS is on)
   * goes first; everything after it sees plain bytes.
   */
  void pipeline(SocketChannel ch) {
    if (tls != null) {
      // a client speaking plain HTTP here fails the handshake: the handler closes the connection
      ch.pipeline().addLast("tls", tls.newHandler(ch.alloc()));
    }
    ch.pipeline()
        .addLast("head", new HeadSniffer(headerTimeoutMs, backend, upgrades, headTimeouts));
  }

  /** Connections closed because their first request head did not arrive in time. */
  public HeadTimeouts headTimeouts() {
    return headTimeouts;
  }

  public int port() {
    return ((InetSocketAddress) server.localAddress()).getPort();
  }

  /** The redirect listener's port, or -1 without one. */
  public int redirectPort() {
    return redirect == null ? -1 : ((InetSocketAddress) redirect.localAddress()).getPort();
  }

  /** Stops accepting and closes every connection. */
  @Override
  public void close() {
    if (redirect != null) {
      redirect.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
    server.close().awaitUninterruptibly(5, TimeUnit.SECONDS);
    group.shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(10, TimeUnit.SECONDS);
  }
}
