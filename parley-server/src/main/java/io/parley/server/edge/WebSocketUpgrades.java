package io.parley.server.edge;

import io.netty.channel.Channel;
import io.netty.handler.codec.http.FullHttpRequest;

/** Takes over a connection whose first request is a WebSocket upgrade for the gateway's path. */
@FunctionalInterface
public interface WebSocketUpgrades {
  /** The path whose {@code GET ... Upgrade: websocket} requests the front door hands over. */
  String PATH = "/v1/ws";

  /**
   * Called on {@code ch}'s event loop with auto-read off and an empty pipeline (TLS handlers
   * excepted). The callee owns {@code request} (and releases it) and completes the handshake, or
   * answers and closes the channel.
   */
  void upgrade(Channel ch, FullHttpRequest request);
}
