package io.parley.server.abuse;

import io.parley.protocol.CloseCodes;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.function.LongConsumer;

/**
 * Admission of authenticated WebSocket connections: WebSocket connects per IP address (a token
 * bucket) and caps on concurrent connections per device and per user.
 *
 * <p>The gateway calls {@link #admit} once a connection's token is verified and, if admitted,
 * {@link #release} exactly once when that connection is gone. A refused connection is closed with
 * {@link Decision#closeCode()} (4429) and {@link Decision#reason()}, and must not be released.
 */
public final class ConnectionAdmission {
  /** Admitted, or refused with a close code and reason. */
  public record Decision(boolean admitted, short closeCode, String reason, long retryAfterMs) {
    static final Decision OK = new Decision(true, (short) 1000, "", 0);

    static Decision refused(String reason, long retryAfterMs) {
      return new Decision(false, CloseCodes.RATE_LIMITED, reason, retryAfterMs);
    }
  }

  private final RateLimiter ipConnects;
  private final int maxPerDevice;
  private final int maxPerUser;
  private final Map<Long, Integer> perDevice = new HashMap<>();
  private final Map<Long, Integer> perUser = new HashMap<>();
  private volatile LongConsumer onDeviceGone = d -> {};

  /**
   * @param ipConnects connects per IP address, or null for none
   * @param maxPerDevice concurrent connections of one device at most
   * @param maxPerUser concurrent connections of one user (all devices) at most
   */
  public ConnectionAdmission(RateLimiter ipConnects, int maxPerDevice, int maxPerUser) {
    if (maxPerDevice < 1 || maxPerUser < 1) {
      throw new IllegalArgumentException("connection caps must be at least 1");
    }
    this.ipConnects = ipConnects;
    this.maxPerDevice = maxPerDevice;
    this.maxPerUser = maxPerUser;
  }

  /**
   * Decides on a new authenticated connection and, when admitted, counts it. Never blocks; with a
   * node-local connect limiter the stage is complete when returned.
   *
   * @param ip the client's address (as the HTTP server sees it)
   * @return the decision; never completes exceptionally
   */
  public CompletionStage<Decision> admit(String ip, long userId, long deviceId) {
    if (ipConnects == null) {
      return CompletableFuture.completedFuture(count(userId, deviceId));
    }
    return ipConnects
        .acquire(ip == null ? "unknown" : ip, 1)
        .thenApply(
            wait ->
                wait > 0
                    ? Decision.refused("too many connections from this address", wait)
                    : count(userId, deviceId));
  }

  private Decision count(long userId, long deviceId) {
    synchronized (this) {
      int d = perDevice.getOrDefault(deviceId, 0);
      if (d >= maxPerDevice) {
        return Decision.refused(
            "too many connections for this device (max " + maxPerDevice + ")", 0);
      }
      int u = perUser.getOrDefault(userId, 0);
      if (u >= maxPerUser) {
        return Decision.refused("too many connections for this user (max " + maxPerUser + ")", 0);
      }
      perDevice.put(deviceId, d + 1);
      perUser.put(userId, u + 1);
      return Decision.OK;
    }
  }

  /** An admitted connection is gone. */
  public void release(long userId, long deviceId) {
    boolean deviceGone;
    synchronized (this) {
      deviceGone = perDevice.computeIfPresent(deviceId, (k, n) -> n <= 1 ? null : n - 1) == null;
      perUser.computeIfPresent(userId, (k, n) -> n <= 1 ? null : n - 1);
    }
    if (deviceGone) {
      onDeviceGone.accept(deviceId);
    }
  }

  /** Called with a device id when its last connection is released (per-device state cleanup). */
  public void onDeviceGone(LongConsumer listener) {
    this.onDeviceGone = listener;
  }

  /** Open connections counted for {@code userId} (for tests and metrics). */
  public synchronized int connectionsOfUser(long userId) {
    return perUser.getOrDefault(userId, 0);
  }
}
