package io.parley.server.delivery;

/**
 * A frame on its way to devices, serialized once and shared by every recipient. Message frames
 * carry their conversation and seq so a device replaying its backlog can drop live copies it
 * already got; other frames have {@code seq == 0}.
 */
public record Outbound(String json, long conversationId, long seq) {
  public static Outbound of(String json) {
    return new Outbound(json, 0, 0);
  }

  public boolean isMessage() {
    return seq > 0;
  }
}
