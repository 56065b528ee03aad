package io.parley.server.delivery;

import java.util.Collection;

/** The node-local end of a {@link Broker}: hands frames to this node's connections. */
public interface LocalSink {
  void deliver(Collection<Long> userIds, Outbound frame, long excludeDeviceId);
}
