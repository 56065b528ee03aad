package io.parley.server.edge;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.SocketChannel;
import io.netty.channel.socket.nio.NioSocketChannel;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * Splices one client connection to the HTTP backend, both ways, on the client's event loop. Flow
 * control: a side stops reading while the other side's outbound buffer is above its high water
 * mark. A half-close (FIN) is passed on; the pair closes when both directions are done or either
 * side closes.
 */
final class Relay extends ChannelInboundHandlerAdapter {
  private static final byte[] BAD_GATEWAY =
      "HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
          .getBytes(StandardCharsets.US_ASCII);

  private final Channel peer;

  private Relay(Channel peer) {
    this.peer = peer;
  }

  /** Connects {@code client} to {@code backend}; {@code head} are the bytes read so far. */
  static void start(Channel client, InetSocketAddress backend, ByteBuf head) {
    client.config().setOption(ChannelOption.ALLOW_HALF_CLOSURE, true);
    new Bootstrap()
        .group(client.eventLoop())
        .channel(NioSocketChannel.class)
        .option(ChannelOption.AUTO_READ, false)
        .option(ChannelOption.TCP_NODELAY, true)
        .option(ChannelOption.ALLOW_HALF_CLOSURE, true)
        .option(ChannelOption.WRITE_BUFFER_WATER_MARK, EdgeServer.WATER_MARK)
        .handler(new Relay(client))
        .connect(backend)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (!f.isSuccess() || !client.isActive()) {
                    head.release();
                    f.channel().close();
                    client
                        .writeAndFlush(Unpooled.wrappedBuffer(BAD_GATEWAY))
                        .addListener(ChannelFutureListener.CLOSE);
                    return;
                  }
                  Channel up = f.channel();
                  up.write(proxyLine(client));
                  up.writeAndFlush(head);
                  client.pipeline().addLast("relay", new Relay(up));
                  client.config().setAutoRead(true);
                  up.config().setAutoRead(true);
                });
  }

  /** PROXY protocol v1 header: the backend sees the client's address, not the relay's. */
  private static ByteBuf proxyLine(Channel client) {
    InetSocketAddress src = (InetSocketAddress) client.remoteAddress();
    InetSocketAddress dst = (InetSocketAddress) client.localAddress();
    String line;
    if (src == null || dst == null) {
      line = "PROXY UNKNOWN\r\n";
    } else {
      boolean v4 = src.getAddress() instanceof Inet4Address;
      if (v4 != dst.getAddress() instanceof Inet4Address) {
        line = "PROXY UNKNOWN\r\n";
      } else {
        line =
            "PROXY "
                + (v4 ? "TCP4 " : "TCP6 ")
                + src.getAddress().getHostAddress()
                + " "
                + dst.getAddress().getHostAddress()
                + " "
                + src.getPort()
                + " "
                + dst.getPort()
                + "\r\n";
      }
    }
    return Unpooled.copiedBuffer(line, StandardCharsets.US_ASCII);
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    peer.write(msg, peer.voidPromise());
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    peer.flush();
    if (!peer.isWritable()) {
      ctx.channel().config().setAutoRead(false);
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      peer.config().setAutoRead(true);
    }
    ctx.fireChannelWritabilityChanged();
  }

  @Override
  public void userEventTriggered(ChannelHandlerContext ctx, Object evt) {
    if (evt instanceof ChannelInputShutdownEvent) {
      // this side sent FIN: pass it on once what it sent before is written
      SocketChannel self = (SocketChannel) ctx.channel();
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER)
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (peer instanceof SocketChannel p && p.isActive()) {
                      p.shutdownOutput();
                      if (p.isInputShutdown()) {
                        p.close();
                        self.close();
                      }
                    }
                  });
      if (self.isOutputShutdown()) {
        self.close();
      }
    }
    ctx.fireUserEventTriggered(evt);
  }

  @Override
  public void channelInactive(ChannelHandlerContext ctx) {
    if (peer.isActive()) {
      peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
    }
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    ctx.close();
  }
}
