package io.parley.server.conversation.model;

/** Direct (exactly two members, one per pair) or group. */
public enum ConversationType {
  DIRECT,
  GROUP;

  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }
}
