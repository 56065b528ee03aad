package io.parley.server.gateway;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.TooLongFrameException;
import io.netty.handler.codec.http.websocketx.BinaryWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CloseWebSocketFrame;
import io.netty.handler.codec.http.websocketx.CorruptedWebSocketFrameException;
import io.netty.handler.codec.http.websocketx.PingWebSocketFrame;
import io.netty.handler.codec.http.websocketx.PongWebSocketFrame;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrame;
import io.netty.util.ReferenceCountUtil;
import io.parley.protocol.CloseCodes;
import java.io.IOException;
import java.time.Clock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last handler of an open connection's pipeline: hands whole (reassembled, UTF-8 checked)
 * messages to {@link FrameHandler}, answers pings, completes the close handshake, and resumes the
 * connection's writer when the socket becomes writable again.
 */
// Netty writes are fire-and-forget by design: failures surface through listeners or the
// channel closing, not through the returned futures
@SuppressWarnings("FutureReturnValueIgnored")
final class SocketHandler extends ChannelInboundHandlerAdapter {
  private static final Logger log = LoggerFactory.getLogger(SocketHandler.class);

  private final Connection c;
  private final WebSocketTransport ws;
  private final FrameHandler frames;
  private final Clock clock;

  SocketHandler(Connection c, WebSocketTransport t, FrameHandler frames, Clock clock) {
    this.c = c;
    this.ws = t;
    this.frames = frames;
    this.clock = clock;
  }

  @Override
  public void channelRead(ChannelHandlerContext ctx, Object msg) {
    if (!(msg instanceof WebSocketFrame frame)) {
      ReferenceCountUtil.release(msg);
      return;
    }
    try {
      if (frame instanceof CloseWebSocketFrame close) {
        ws.peerClosed(close.statusCode(), c.closing());
      } else if (c.isClosed()) {
        return; // closing: the rest is not processed
      } else if (frame instanceof TextWebSocketFrame text) {
        frames.onText(c, text.text());
      } else if (frame instanceof BinaryWebSocketFrame binary) {
        frames.onBinary(c, binary.content());
      } else if (frame instanceof PingWebSocketFrame) {
        c.touch(clock.millis());
        ctx.writeAndFlush(new PongWebSocketFrame(frame.content().retain()));
      } else if (frame instanceof PongWebSocketFrame) {
        c.touch(clock.millis());
      }
    } finally {
      frame.release();
    }
  }

  @Override
  public void channelWritabilityChanged(ChannelHandlerContext ctx) {
    if (ctx.channel().isWritable()) {
      c.drain();
    }
    ctx.fireChannelWritabilityChanged();
  }

  /** The exception's message if it fits a close frame (123 bytes), else the status's text. */
  private static String reason(CorruptedWebSocketFrameException e) {
    String m = e.getMessage();
    return m != null && m.length() <= 100 ? m : e.closeStatus().reasonText();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable t) {
    if (t instanceof TooLongFrameException) {
      // a fragmented message grew past the limit (single frames are stopped by the decoder)
      if (c.closing()) {
        ws.failProtocol(CloseCodes.TOO_LARGE, "message too large");
      }
    } else if (t instanceof CorruptedWebSocketFrameException e) {
      // from the frame decoder (1002 reserved bits / bad framing, 1009 frame too large) or the
      // UTF-8 validator (1007); the decoder discards everything after it
      log.debug("protocol violation from device {}: {}", c.deviceId(), t.getMessage());
      if (c.closing()) {
        ws.failProtocol(e.closeStatus().code(), reason(e));
      }
    } else if (t instanceof IOException) {
      log.debug("socket error for device {}: {}", c.deviceId(), t.toString());
      ctx.close();
    } else {
      log.warn("websocket error for device {}", c.deviceId(), t);
      ctx.close();
    }
  }
}
