package io.parley.server.edge;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpRequest;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * Reads a new connection's first request head, bounded in size ({@value #MAX_HEAD} bytes, else 431)
 * and time (else the connection is closed), then removes itself: a WebSocket upgrade on the
 * gateway's path goes to {@link WebSocketUpgrades}, anything else to {@link Relay}.
 */
// Netty writes are fire-and-forget by design: failures surface through listeners or the
// channel closing, not through the returned futures
@SuppressWarnings("FutureReturnValueIgnored")
final class HeadSniffer extends ChannelInboundHandlerAdapter {
  static final int MAX_HEAD = 16 * 1024;

  @SuppressWarnings("StringConcatToTextBlock") // CRLF line ends, which a text block hides
  private static final byte[] TOO_LARGE =
      ("HTTP/1.1 431 Request Header Fields Too Large\r\nContent-Length: 0\r\n"
              + "Connection: close\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);

  private final long timeoutMs;
  private final InetSocketAddress backend;
  private final WebSocketUpgrades upgrades;
  private final HeadTimeouts timeouts;
  private ByteBuf buf;
  private int scanned;
  private ScheduledFuture<?> timeout;

  HeadSniffer(
      long timeoutMs,
      InetSocketAddress backend,
      WebSocketUpgrades upgrades,
      HeadTimeouts timeouts) {
    this.timeoutMs = timeoutMs;
    this.backend = backend;
    this.upgrades = upgrades;
    this.timeouts = timeouts;
  }

  @Override
  public void handlerAdded(ChannelHandlerContext ctx) {
    timeout = ctx.executor().schedule(() -> expire(ctx), timeoutMs, TimeUnit.MILLISECONDS);
  }

  private void expire(ChannelHandlerContext ctx) {
    timeouts.expired(buf != null && buf.isReadable());
    ctx.close();
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof ByteBuf in)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    if (buf == null) {
      buf = ctx.alloc().buffer(Math.max(512, in.readableBytes()));
    }
    buf.writeBytes(in);
    in.release();
    int end = headEnd();
    if (end < 0) {
      if (buf.readableBytes() > MAX_HEAD) {
        reject(ctx);
      }
      return;
    }
    timeout.cancel(false);
    ctx.channel().config().setAutoRead(false);
    ByteBuf all = buf;
    buf = null;
    ctx.pipeline().remove(this);
    FullHttpRequest upgrade = websocketUpgrade(all.toString(0, end, StandardCharsets.ISO_8859_1));
    if (upgrade != null) {
      // bytes after the head would be frames sent before the 101: a protocol violation, dropped
      all.release();
      upgrades.upgrade(ctx.channel(), upgrade);
    } else {
      Relay.start(ctx.channel(), backend, all);
    }
  }

  /** Index just past the blank line ending the head, or -1. */
  private int headEnd() {
    int n = buf.writerIndex();
    for (int i = Math.max(buf.readerIndex(), scanned - 3); i + 3 < n; i++) {
      if (buf.getByte(i) == '\r'
          && buf.getByte(i + 1) == '\n'
          && buf.getByte(i + 2) == '\r'
          && buf.getByte(i + 3) == '\n') {
        return i + 4 > MAX_HEAD ? -1 : i + 4;
      }
    }
    scanned = n;
    return -1;
  }

  private void reject(ChannelHandlerContext ctx) {
    timeout.cancel(false);
    ctx.channel().config().setAutoRead(false);
    ctx.writeAndFlush(Unpooled.wrappedBuffer(TOO_LARGE)).addListener(ChannelFutureListener.CLOSE);
  }

  /** The request if the head is {@code GET PATH} with {@code Upgrade: websocket}, else null. */
  static FullHttpRequest websocketUpgrade(String head) {
    String[] lines = head.split("\r\n");
    String[] start = lines[0].split(" ");
    if (start.length != 3 || !start[0].equals("GET") || !start[2].equals("HTTP/1.1")) {
      return null;
    }
    String uri = start[1];
    int q = uri.indexOf('?');
    if (!(q < 0 ? uri : uri.substring(0, q)).equals(WebSocketUpgrades.PATH)) {
      return null;
    }
    FullHttpRequest req =
        new DefaultFullHttpRequest(
            HttpVersion.HTTP_1_1, HttpMethod.GET, uri, Unpooled.EMPTY_BUFFER);
    boolean websocket = false;
    for (int i = 1; i < lines.length; i++) {
      String line = lines[i];
      int colon = line.indexOf(':');
      if (colon <= 0) {
        continue;
      }
      String name = line.substring(0, colon).trim();
      String value = line.substring(colon + 1).trim();
      try {
        req.headers().add(name, value);
      } catch (IllegalArgumentException e) {
        req.release();
        return null; // the HTTP server answers a malformed head with 400
      }
      if (name.equalsIgnoreCase("Upgrade") && value.equalsIgnoreCase("websocket")) {
        websocket = true;
      }
    }
    if (!websocket) {
      req.release();
      return null;
    }
    return req;
  }

  @Override
  public void handlerRemoved(ChannelHandlerContext ctx) {
    if (timeout != null) {
      timeout.cancel(false);
    }
    if (buf != null) {
      buf.release();
      buf = null;
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
