package io.parley.server.gateway;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;

/** A WebSocket on a front-door Netty channel; its writer thread is the channel's event loop. */
// Netty writes are fire-and-forget by design: failures surface through listeners or the
// channel closing, not through the returned futures
@SuppressWarnings("FutureReturnValueIgnored")
final class WebSocketTransport implements Transport {
  /** How long a closing peer gets to answer the close handshake before the socket is cut. */
  static final long FORCE_CLOSE_MS = 3_000;

  private static final byte[] HB = {'h', 'b'};

  private final Channel ch;

  WebSocketTransport(Channel ch) {
    this.ch = ch;
  }

  Channel channel() {
    return ch;
  }

  @Override
  public void execute(Runnable task) {
    ch.eventLoop().execute(task);
  }

  @Override
  public void schedule(Runnable task, long delayMs) {
    ch.eventLoop().schedule(task, delayMs, TimeUnit.MILLISECONDS);
  }

  @Override
  public boolean isWritable() {
    return ch.isWritable();
  }

  @Override
  public void write(String json) {
    ch.write(new TextWebSocketFrame(ByteBufUtil.writeUtf8(ch.alloc(), json)), ch.voidPromise());
  }

  @Override
  public void flush() {
    ch.flush();
  }

  @Override
  public void ping() {
    ch.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(HB)));
  }

  @Override
  public void close(int code, String reason) {
    if (ch.isActive()) {
      ch.writeAndFlush(new CloseWebSocketFrame(code, reason));
      // a peer that does not read never receives the close frame: cut the TCP connection once
      // the grace period is over so its buffers are released
      forceCloseLater();
    }
  }

  @Override
  public InetSocketAddress remoteAddress() {
    return (InetSocketAddress) ch.remoteAddress();
  }

  /**
   * The peer broke the protocol (1002 / 1007 / 1009): send the close frame, then a FIN, and discard
   * whatever it still sends until it closes or the grace period ends. Closing at once would reset
   * the TCP connection while the peer is still sending, and it might never read the close frame.
   */
  void failProtocol(int code, String reason) {
    if (ch.isActive()) {
      ch.writeAndFlush(new CloseWebSocketFrame(code, reason))
          .addListener(
              f -> {
                if (ch instanceof SocketChannel sc && sc.isActive()) {
                  sc.shutdownOutput();
                }
              });
      forceCloseLater();
    }
  }

  /** The peer sent a close frame: echo it if {@code echo} (we did not start the close), end TCP. */
  void peerClosed(int code, boolean echo) {
    if (echo && ch.isActive()) {
      CloseWebSocketFrame f =
          code > 0 ? new CloseWebSocketFrame(code, null) : new CloseWebSocketFrame();
      ch.writeAndFlush(f).addListener(x -> ch.close());
    } else {
      ch.close();
    }
  }

  private void forceCloseLater() {
    ch.eventLoop().schedule(() -> ch.close(), FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
  }
}
