package io.parley.server.conversation.model;

/** A member's rights in a group. Direct conversations have two {@code MEMBER}s. */
public enum Role {
  OWNER,
  ADMIN,
  MEMBER;

  public String wire() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** Parses a wire role, or returns null if unknown. */
  public static Role fromWire(String s) {
    for (Role r : values()) {
      if (r.wire().equals(s)) {
        return r;
      }
    }
    return null;
  }
}
