package io.parley.server.auth;

/**
 * A user's presence privacy: who sees its last seen time and who sees it online. Users without a
 * permitted audience see {@code online: false} and no {@code last_seen}.
 */
public record Privacy(Audience lastSeen, Audience online) {
  /** The settings of a new account. */
  public static final Privacy DEFAULT = new Privacy(Audience.CONTACTS, Audience.CONTACTS);
}
