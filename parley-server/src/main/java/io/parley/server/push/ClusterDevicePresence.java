package io.parley.server.push;

import io.parley.server.cluster.Session;
import io.parley.server.cluster.SessionRegistry;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link DevicePresence} of a cluster node: this node's connections first, then the shared {@link
 * SessionRegistry} for devices connected on other nodes.
 *
 * <p>{@link #userOnline} stays local on purpose: it runs inside the message's transaction (the push
 * hook on the writer thread), where no Redis round trip may wait. A job enqueued for a user who is
 * connected on another node is dropped by the dispatcher, which asks {@link #deviceOnline} (or as
 * {@code delivered} once the device reported the message). {@link #deviceOnline} blocks up to the
 * timeout: it is called on the dispatcher's virtual threads. When the registry does not answer, it
 * says "offline": a notification too many is better than a missed one.
 */
public final class ClusterDevicePresence implements DevicePresence {
  private static final Logger log = LoggerFactory.getLogger(ClusterDevicePresence.class);

  private final DevicePresence local;
  private final SessionRegistry sessions;
  private final Duration timeout;

  public ClusterDevicePresence(DevicePresence local, SessionRegistry sessions, Duration timeout) {
    this.local = local;
    this.sessions = sessions;
    this.timeout = timeout;
  }

  @Override
  public boolean userOnline(long userId) {
    return local.userOnline(userId);
  }

  @Override
  public boolean deviceOnline(long userId, long deviceId) {
    if (local.deviceOnline(userId, deviceId)) {
      return true;
    }
    try {
      List<Session> devices =
          sessions
              .devicesOf(userId)
              .toCompletionStage()
              .toCompletableFuture()
              .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
      return devices.stream().anyMatch(s -> s.deviceId() == deviceId);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return false;
    } catch (ExecutionException | TimeoutException e) {
      log.debug("session registry did not answer for device {}: {}", deviceId, e.toString());
      return false;
    }
  }
}
