package io.parley.bench;

/**
 * Minimal field extraction from the compact JSON frames Parley and the relay emit. The bench reads
 * only a few flat string/number fields it wrote itself (no escapes), so a full parse per received
 * frame would only steal CPU from the server on a 2-core machine.
 */
final class Frames {
  private Frames() {}

  /** The string value of the first {@code "key":"..."} in {@code json}, or null. */
  static String str(String json, String key) {
    String k = "\"" + key + "\":\"";
    int i = json.indexOf(k);
    if (i < 0) {
      return null;
    }
    int s = i + k.length();
    int e = json.indexOf('"', s);
    return e < 0 ? null : json.substring(s, e);
  }

  /** The integer value of the first {@code "key":123} in {@code json}, or -1. */
  static long num(String json, String key) {
    String k = "\"" + key + "\":";
    int i = json.indexOf(k);
    if (i < 0) {
      return -1;
    }
    int s = i + k.length();
    long v = 0;
    boolean any = false;
    for (int p = s; p < json.length(); p++) {
      char ch = json.charAt(p);
      if (ch < '0' || ch > '9') {
        break;
      }
      v = v * 10 + (ch - '0');
      any = true;
    }
    return any ? v : -1;
  }

  /** The frame type (first {@code "type"} field). */
  static String type(String json) {
    return str(json, "type");
  }

  /** A {@code delivered} receipt up to {@code seq}. */
  static String delivered(String conversationId, long seq) {
    return "{\"type\":\"delivered\",\"conversation_id\":\""
        + conversationId
        + "\",\"seq\":"
        + seq
        + "}";
  }

  /** A {@code send} frame whose text and client_msg_id carry sender, sequence and send time. */
  static String send(String conversationId, int sender, long seq, long intendedNanos) {
    String tag = sender + "-" + seq + "-" + intendedNanos;
    return "{\"type\":\"send\",\"client_msg_id\":\""
        + tag
        + "\",\"conversation_id\":\""
        + conversationId
        + "\",\"body\":{\"kind\":\"text\",\"text\":\"b:"
        + tag
        + "\"}}";
  }

  /** A {@code send} frame to a user ({@code to_user_id}: the direct conversation, made if new). */
  static String sendTo(String toUserId, int sender, long seq, long intendedNanos) {
    String tag = sender + "-" + seq + "-" + intendedNanos;
    return "{\"type\":\"send\",\"client_msg_id\":\""
        + tag
        + "\",\"to_user_id\":\""
        + toUserId
        + "\",\"body\":{\"kind\":\"text\",\"text\":\"b:"
        + tag
        + "\"}}";
  }

  /** Parses a tag {@code sender-seq-nanos} into three longs; null if it is not one of ours. */
  static long[] tag(String s) {
    if (s == null) {
      return null;
    }
    int start = s.startsWith("b:") ? 2 : 0;
    int a = s.indexOf('-', start);
    int b = a < 0 ? -1 : s.indexOf('-', a + 1);
    if (a < 0 || b < 0) {
      return null;
    }
    try {
      return new long[] {
        Long.parseLong(s, start, a, 10),
        Long.parseLong(s, a + 1, b, 10),
        Long.parseLong(s, b + 1, s.length(), 10)
      };
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
