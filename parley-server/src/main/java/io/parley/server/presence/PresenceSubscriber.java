package io.parley.server.presence;

import io.parley.server.delivery.Outbound;

/**
 * A live stream of one device that can subscribe to presence (a WebSocket or SSE connection of this
 * node). Presence keeps only this view of it, so it does not depend on the gateway.
 */
public interface PresenceSubscriber {
  /** The user the stream belongs to: the viewer of what it subscribes to. */
  long userId();

  /** Queues a frame to the device; never blocks. */
  void offer(Outbound frame);

  boolean isClosed();
}
