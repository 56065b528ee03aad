package io.parley.server.auth;

/** Raised by {@link UserStore#createUser} when the (case-insensitive) username exists. */
public final class UsernameTakenException extends RuntimeException {
  public UsernameTakenException(String username) {
    super("username taken: " + username);
  }
}
