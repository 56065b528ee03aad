package io.parley.protocol;

/** WebSocket close codes of the Parley protocol (API.md). */
public final class CloseCodes {
  public static final short UNAUTHORIZED = 4401;
  public static final short IDLE_TIMEOUT = 4408;
  public static final short RATE_LIMITED = 4429;

  /** The client did not read fast enough and its bounded outbound queue filled up. */
  public static final short SLOW_CONSUMER = 4413;

  public static final short TOO_LARGE = 1009;
  public static final short RESTARTING = 1012;

  private CloseCodes() {}
}
