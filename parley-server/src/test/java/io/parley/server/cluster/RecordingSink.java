package io.parley.server.cluster;

import io.parley.server.delivery.LocalSink;
import io.parley.server.delivery.Outbound;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The local end of a test "node": knows which devices are connected to it and records, per device,
 * every frame it was handed (as a connection registry would write them).
 */
final class RecordingSink implements LocalSink {
  private final Map<Long, Set<Long>> devicesByUser = new ConcurrentHashMap<>();
  private final Map<Long, List<Outbound>> byDevice = new ConcurrentHashMap<>();

  void connect(long userId, long deviceId) {
    devicesByUser.computeIfAbsent(userId, u -> ConcurrentHashMap.newKeySet()).add(deviceId);
  }

  @Override
  public void deliver(Collection<Long> userIds, Outbound frame, long excludeDeviceId) {
    for (long u : userIds) {
      for (long d : devicesByUser.getOrDefault(u, Set.of())) {
        if (d != excludeDeviceId) {
          List<Outbound> list = byDevice.computeIfAbsent(d, k -> new ArrayList<>());
          synchronized (list) {
            list.add(frame);
          }
        }
      }
    }
  }

  /** The JSON of every frame device {@code deviceId} got, in order. */
  List<String> got(long deviceId) {
    List<Outbound> list = byDevice.getOrDefault(deviceId, List.of());
    synchronized (list) {
      return list.stream().map(Outbound::json).toList();
    }
  }

  /** The frames device {@code deviceId} got, in order. */
  List<Outbound> frames(long deviceId) {
    List<Outbound> list = byDevice.getOrDefault(deviceId, List.of());
    synchronized (list) {
      return List.copyOf(list);
    }
  }
}
