package io.parley.server.conversation.model;

/**
 * A conversation. {@code title} is null for direct ones. {@code lastSeq} is the seq of its newest
 * message (0 when empty). {@code historyVisibleToNewMembers} (groups): members who join while it is
 * set may read the messages from before they joined (see {@code conversation.Visibility}).
 */
public record Conversation(
    long id,
    ConversationType type,
    String title,
    long createdAt,
    long lastSeq,
    boolean historyVisibleToNewMembers) {

  /** A conversation without history for new members (the default). */
  public Conversation(long id, ConversationType type, String title, long createdAt, long lastSeq) {
    this(id, type, title, createdAt, lastSeq, false);
  }
}
