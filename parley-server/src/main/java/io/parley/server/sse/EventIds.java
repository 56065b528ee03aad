package io.parley.server.sse;

import io.parley.server.api.ApiException;
import java.util.Map;
import java.util.TreeMap;

/**
 * SSE event ids: the stream's position, so {@code Last-Event-ID} resumes it exactly.
 *
 * <p>A {@code message} event's id is the vector of the highest seq written on the stream per
 * conversation, {@code <conversation>:<seq>} pairs joined by {@code ,} (for example {@code
 * 17:42,23:5}). Message events of one conversation go out in seq order with nothing visible
 * skipped, so the id of the last event a client saw says exactly what it has. On resume the replay
 * starts after the larger of that and the device's stored delivered position, per conversation: no
 * loss, no duplicates. The vector holds only conversations ahead of the device's stored positions
 * when the stream opened plus those with messages on this stream, so a client that reports {@code
 * delivered} keeps it short. Other events carry no id (the browser keeps the last one).
 *
 * <p>Confined to the stream's writer thread.
 */
final class EventIds {
  /** Longest accepted {@code Last-Event-ID}. */
  static final int MAX_LENGTH = 64 * 1024;

  private final TreeMap<Long, Long> positions;

  EventIds(Map<Long, Long> start) {
    this.positions = new TreeMap<>(start);
  }

  /** Records a message event and returns its id. */
  String next(long conversationId, long seq) {
    positions.merge(conversationId, seq, Math::max);
    StringBuilder sb = new StringBuilder(positions.size() * 12);
    for (Map.Entry<Long, Long> e : positions.entrySet()) {
      if (!sb.isEmpty()) {
        sb.append(',');
      }
      sb.append(e.getKey()).append(':').append(e.getValue());
    }
    return sb.toString();
  }

  /**
   * Parses a {@code Last-Event-ID}; null or blank is an empty position. Anything else malformed is
   * {@code invalid_argument}.
   */
  static Map<Long, Long> parse(String id) {
    Map<Long, Long> out = new TreeMap<>();
    if (id == null || id.isBlank()) {
      return out;
    }
    if (id.length() > MAX_LENGTH) {
      throw ApiException.invalid("Last-Event-ID too long");
    }
    for (String pair : id.trim().split(",", -1)) {
      int colon = pair.indexOf(':');
      if (colon <= 0) {
        throw ApiException.invalid("malformed Last-Event-ID");
      }
      try {
        long conv = Long.parseLong(pair, 0, colon, 10);
        long seq = Long.parseLong(pair, colon + 1, pair.length(), 10);
        if (conv <= 0 || seq < 0) {
          throw ApiException.invalid("malformed Last-Event-ID");
        }
        out.merge(conv, seq, Math::max);
      } catch (NumberFormatException e) {
        throw ApiException.invalid("malformed Last-Event-ID");
      }
    }
    return out;
  }
}
