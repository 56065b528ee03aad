package io.parley.server.cluster;

import io.parley.server.delivery.Outbound;
import io.vertx.core.buffer.Buffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * The binary form of frames published to a node channel: a batch of frames in one pub/sub message.
 * Layout (big-endian): {@code int count}, then per frame {@code long exclude, long conversationId,
 * long seq, int userCount, long[userCount] userIds, int jsonLength, byte[jsonLength] json (UTF-8)}.
 */
final class BrokerWire {
  /** One routed frame: the users (on the target node) it is for. */
  record Routed(long[] userIds, Outbound frame, long excludeDeviceId) {}

  private BrokerWire() {}

  static Buffer encode(List<Routed> frames) {
    Buffer b = Buffer.buffer(64 * frames.size());
    b.appendInt(frames.size());
    for (Routed r : frames) {
      b.appendLong(r.excludeDeviceId());
      b.appendLong(r.frame().conversationId());
      b.appendLong(r.frame().seq());
      b.appendInt(r.userIds().length);
      for (long u : r.userIds()) {
        b.appendLong(u);
      }
      byte[] json = r.frame().json().getBytes(StandardCharsets.UTF_8);
      b.appendInt(json.length);
      b.appendBytes(json);
    }
    return b;
  }

  static List<Routed> decode(Buffer b) {
    int pos = 0;
    int count = b.getInt(pos);
    pos += 4;
    if (count < 0 || count > b.length()) {
      throw new IllegalArgumentException("bad frame count " + count);
    }
    List<Routed> out = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      long exclude = b.getLong(pos);
      long conv = b.getLong(pos + 8);
      long seq = b.getLong(pos + 16);
      int n = b.getInt(pos + 24);
      pos += 28;
      long[] users = new long[n];
      for (int j = 0; j < n; j++) {
        users[j] = b.getLong(pos);
        pos += 8;
      }
      int len = b.getInt(pos);
      pos += 4;
      String json = b.getString(pos, pos + len, "UTF-8");
      pos += len;
      out.add(new Routed(users, new Outbound(json, conv, seq), exclude));
    }
    return out;
  }
}
