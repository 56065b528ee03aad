package io.parley.server.gateway;

import io.parley.server.delivery.Outbound;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;

/**
 * How a {@link Connection}'s frames reach its client: a WebSocket on a Netty channel ({@link
 * WebSocketTransport}) or a Server-Sent Events stream on a Vert.x response ({@code
 * sse.SseTransport}). Everything transport-independent (the bounded queue, sync parking,
 * slow-consumer close, heartbeats, drain) stays in {@link Connection}.
 *
 * <p>Contract: a transport has one writer thread. {@link #execute} and {@link #schedule} run tasks
 * on it; every other method except {@link #remoteAddress} is called only from that thread. {@link
 * #write} may buffer; {@link #flush} makes everything written so far go out. {@link #close} is
 * called at most once (the connection guards it) and must make the connection end, also when the
 * peer never reads again; the transport reports the end by calling {@link Connection#gone()}.
 */
public interface Transport {
  /** Runs {@code task} on the writer thread. */
  void execute(Runnable task);

  /**
   * The writer thread as an executor, the same object for every transport sharing that thread (a
   * Netty event loop), so fan-out can hand a batch of frames to each thread as one task ({@link
   * FanOut}).
   */
  Executor writer();

  /** Runs {@code task} on the writer thread after {@code delayMs}. */
  void schedule(Runnable task, long delayMs);

  /** False while the transport's own buffers are above their high water mark. */
  boolean isWritable();

  /** Writes one server frame (JSON text). */
  void write(String json);

  /** Writes a shared frame; a transport may use its UTF-8 form, encoded once for all recipients. */
  default void write(Outbound frame) {
    write(frame.json());
  }

  /** Flushes what {@link #write} buffered. */
  void flush();

  /** Sends a heartbeat (WebSocket ping, SSE comment). */
  void ping();

  /** Ends the connection with a close code (WebSocket close frame; SSE end of stream). */
  void close(int code, String reason);

  /** The client's address. */
  InetSocketAddress remoteAddress();
}
