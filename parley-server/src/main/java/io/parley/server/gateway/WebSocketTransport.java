package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.parley.server.delivery.Outbound;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * A WebSocket on a front-door Netty channel; its writer thread is the channel's event loop.
 *
 * <p>Text frames are framed here (server frames are unmasked and this gateway negotiates no
 * extensions, so a frame is a 2–10 byte header and the UTF-8 payload) and the frames of one drain
 * are copied into one buffer, written once per {@link #CHUNK} bytes and on {@link #flush}: one
 * buffer and one gathering write per connection per drain instead of a frame object, an encoder
 * pass and a buffer per frame. A shared {@link Outbound}'s payload is encoded once for all its
 * recipients.
 */
// Netty writes are fire-and-forget by design: failures surface through listeners or the
// channel closing, not through the returned futures
@SuppressWarnings("FutureReturnValueIgnored")
final class WebSocketTransport implements Transport {
  /** How long a closing peer gets to answer the close handshake before the socket is cut. */
  static final long FORCE_CLOSE_MS = 3_000;

  private static final byte[] HB = {'h', 'b'};

  /** Bytes gathered before they are handed to the channel (so writability stays accurate). */
  static final int CHUNK = 16 * 1024;

  private static final int TEXT_FIN = 0x81;

  private final Channel ch;
  private ByteBuf out; // event-loop confined: frames written since the last flush

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
  public Executor writer() {
    return ch.eventLoop();
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
    // String.getBytes is intrinsic; Netty's UTF-8 writer goes byte by byte into a direct buffer
    text(json.getBytes(StandardCharsets.UTF_8));
  }

  @Override
  public void write(Outbound frame) {
    text(frame.utf8());
  }

  /** Appends a text frame with {@code payload} to the gathering buffer. */
  private void text(byte[] payload) {
    ByteBuf b = reserve(payload.length);
    header(b, payload.length);
    b.writeBytes(payload);
    chunkDone(b);
  }

  /** The gathering buffer, with room for a frame of {@code len} payload bytes. */
  private ByteBuf reserve(int len) {
    ByteBuf b = out;
    if (b == null) {
      // most drains carry one or a few frames: start small, grow (doubling) for more
      b = ch.alloc().directBuffer(Math.max(512, 2 * (len + 10)));
      out = b;
    }
    b.ensureWritable(len + 10);
    return b;
  }

  private static void header(ByteBuf b, int len) {
    b.writeByte(TEXT_FIN);
    if (len < 126) {
      b.writeByte(len);
    } else if (len <= 0xFFFF) {
      b.writeByte(126);
      b.writeShort(len);
    } else {
      b.writeByte(127);
      b.writeLong(len);
    }
  }

  /** Hands a full chunk to the channel, so the channel's writability sees it. */
  private void chunkDone(ByteBuf b) {
    if (b.readableBytes() >= CHUNK) {
      out = null;
      ch.write(b, ch.voidPromise());
    }
  }

  /** Hands gathered frames to the channel (before any frame written directly to it). */
  private void handOver() {
    ByteBuf b = out;
    if (b != null) {
      out = null;
      ch.write(b, ch.voidPromise());
    }
  }

  @Override
  public void flush() {
    handOver();
    ch.flush();
  }

  @Override
  public void ping() {
    handOver();
    ch.writeAndFlush(new PingWebSocketFrame(Unpooled.wrappedBuffer(HB)));
  }

  @Override
  public void close(int code, String reason) {
    discard();
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
    discard();
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

  /** Drops frames not yet handed to the channel (the connection is closing). */
  void discard() {
    ByteBuf b = out;
    if (b != null) {
      out = null;
      b.release();
    }
  }

  private void forceCloseLater() {
    ch.eventLoop().schedule(() -> ch.close(), FORCE_CLOSE_MS, TimeUnit.MILLISECONDS);
  }
}
