package io.parley.server.messaging;

/** A send by {@code to_user_id} named a user that does not exist; nothing was stored. */
public final class UnknownRecipientException extends IllegalArgumentException {
  private static final long serialVersionUID = 1L;

  public UnknownRecipientException(long userId) {
    super("no such user: " + userId);
  }
}
