package io.parley.server.edge;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.timeout.ReadTimeoutHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/**
 * A plain-HTTP listener that answers every request with {@code 308 Permanent Redirect} to the same
 * path over https on the TLS port (308 keeps the method and body). The host comes from the {@code
 * Host} header (its port replaced), or the listener's own address without one.
 */
// Netty writes are fire-and-forget by design: failures surface through listeners or the
// channel closing, not through the returned futures
@SuppressWarnings("FutureReturnValueIgnored")
final class HttpsRedirect {
  private HttpsRedirect() {}

  static Channel start(EventLoopGroup group, String host, int port, int httpsPort, long timeoutMs) {
    return new ServerBootstrap()
        .group(group)
        .channel(NioServerSocketChannel.class)
        .childHandler(
            new ChannelInitializer<SocketChannel>() {
              @Override
              protected void initChannel(SocketChannel ch) {
                ch.pipeline()
                    .addLast(new ReadTimeoutHandler(timeoutMs, TimeUnit.MILLISECONDS))
                    .addLast(new HttpServerCodec(4096, 16 * 1024, 8192))
                    .addLast(new HttpObjectAggregator(64 * 1024))
                    .addLast(new Handler(httpsPort));
              }
            })
        .bind(host, port)
        .syncUninterruptibly()
        .channel();
  }

  /** The https URL for a request head. */
  static String location(String hostHeader, String fallbackHost, int httpsPort, String uri) {
    String host = hostHeader == null || hostHeader.isBlank() ? fallbackHost : hostHeader.trim();
    if (host.startsWith("[")) {
      int end = host.indexOf(']');
      host = end > 0 ? host.substring(0, end + 1) : host;
    } else if (host.indexOf(':') >= 0) {
      host = host.substring(0, host.indexOf(':'));
    }
    String path = uri.startsWith("/") ? uri : "/";
    return "https://" + host + (httpsPort == 443 ? "" : ":" + httpsPort) + path;
  }

  private static final class Handler extends SimpleChannelInboundHandler<HttpRequest> {
    private final int httpsPort;

    Handler(int httpsPort) {
      this.httpsPort = httpsPort;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, HttpRequest req) {
      InetSocketAddress local = (InetSocketAddress) ctx.channel().localAddress();
      String fallback = local.getAddress().getHostAddress();
      if (fallback.indexOf(':') >= 0) {
        fallback = "[" + fallback + "]";
      }
      DefaultFullHttpResponse res =
          new DefaultFullHttpResponse(
              HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT, Unpooled.EMPTY_BUFFER);
      res.headers()
          .set(
              HttpHeaderNames.LOCATION,
              location(req.headers().get(HttpHeaderNames.HOST), fallback, httpsPort, req.uri()))
          .set(HttpHeaderNames.CONTENT_LENGTH, 0);
      boolean keepAlive = HttpUtil.isKeepAlive(req);
      if (!keepAlive) {
        res.headers().set(HttpHeaderNames.CONNECTION, "close");
      }
      var f = ctx.writeAndFlush(res);
      if (!keepAlive) {
        f.addListener(ChannelFutureListener.CLOSE);
      }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      ctx.close();
    }
  }
}
