package io.parley.server.store;

/**
 * The {@link io.parley.server.conversation.Visibility} rule as a SQL predicate, for queries that
 * filter messages in the database (search): a message is visible to a user if the user is a member
 * now and the message's seq lies in one of the user's membership periods.
 */
public final class VisibleMessagesSql {
  private VisibleMessagesSql() {}

  /**
   * A boolean SQL expression over the messages row {@code alias} with ONE parameter, the user id;
   * the same text works on SQLite and PostgreSQL.
   */
  public static String visibleTo(String alias) {
    return "EXISTS (SELECT 1 FROM membership_periods vp JOIN members vm"
        + " ON vm.conversation_id = vp.conversation_id AND vm.user_id = vp.user_id"
        + " WHERE vp.conversation_id = "
        + alias
        + ".conversation_id AND vp.user_id = ? AND "
        + alias
        + ".seq > vp.after_seq AND (vp.to_seq IS NULL OR "
        + alias
        + ".seq <= vp.to_seq))";
  }
}
