package io.parley.server.auth;

import java.util.Locale;

/**
 * Who may see one piece of a user's presence (see {@link Privacy}). Wire names are the lower-case
 * constant names.
 */
public enum Audience {
  /** Every user who shares a conversation with the user (even an empty direct one). */
  EVERYONE,
  /**
   * Users with a relationship: a shared group, or a direct conversation in which at least one
   * message was sent.
   */
  CONTACTS,
  /** No one but the user. */
  NOBODY;

  public String wire() {
    return name().toLowerCase(Locale.ROOT);
  }

  /** The audience of a wire name, or null if it is not one. */
  public static Audience fromWire(String s) {
    for (Audience a : values()) {
      if (a.wire().equals(s)) {
        return a;
      }
    }
    return null;
  }
}
