package io.parley.server.delivery;

import java.nio.charset.StandardCharsets;

/**
 * A frame on its way to devices, serialized once and shared by every recipient: its JSON and, made
 * on first use and then shared, its UTF-8 bytes (so a frame fanned out to 1,000 sockets is encoded
 * once, not 1,000 times). Message frames carry their conversation and seq so a device replaying its
 * backlog can drop live copies it already got; other frames have {@code seq == 0}.
 */
public final class Outbound {
  private final String json;
  private final long conversationId;
  private final long seq;
  private volatile byte[] utf8; // racy but idempotent: every thread computes the same bytes

  public Outbound(String json, long conversationId, long seq) {
    this.json = json;
    this.conversationId = conversationId;
    this.seq = seq;
  }

  public static Outbound of(String json) {
    return new Outbound(json, 0, 0);
  }

  public String json() {
    return json;
  }

  public long conversationId() {
    return conversationId;
  }

  public long seq() {
    return seq;
  }

  public boolean isMessage() {
    return seq > 0;
  }

  /** The JSON as UTF-8, encoded once per frame; callers must not modify the array. */
  public byte[] utf8() {
    byte[] b = utf8;
    if (b == null) {
      b = json.getBytes(StandardCharsets.UTF_8);
      utf8 = b;
    }
    return b;
  }

  @Override
  public String toString() {
    return "Outbound[conversationId=" + conversationId + ", seq=" + seq + ", json=" + json + "]";
  }
}
