package io.parley.server.abuse;

import java.time.Clock;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Failed logins per account with a growing backoff: the first {@code freeFailures} failures cost
 * nothing; after that each failure locks the account's password logins for {@code baseMs}, then
 * twice that, four times... up to {@code maxMs}. A login attempted while locked is refused without
 * checking the password (and does not count). A successful login resets the account. Failures older
 * than {@code forgetMs} are forgotten.
 *
 * <p>Memory is bounded like {@link InMemoryRateLimiter}: beyond {@code maxKeys} accounts, the
 * forgotten ones are dropped, then arbitrary ones.
 */
public final class LoginBackoff {
  private final int freeFailures;
  private final long baseMs;
  private final long maxMs;
  private final long forgetMs;
  private final int maxKeys;
  private final Clock clock;
  private final ConcurrentHashMap<String, State> accounts = new ConcurrentHashMap<>();

  public LoginBackoff(
      int freeFailures, long baseMs, long maxMs, long forgetMs, int maxKeys, Clock clock) {
    if (freeFailures < 0 || baseMs < 1 || maxMs < baseMs || forgetMs < 1 || maxKeys < 10) {
      throw new IllegalArgumentException("bad login backoff settings");
    }
    this.freeFailures = freeFailures;
    this.baseMs = baseMs;
    this.maxMs = maxMs;
    this.forgetMs = forgetMs;
    this.maxKeys = maxKeys;
    this.clock = clock;
  }

  /** Milliseconds the account must still wait before a login may be tried, or 0. */
  public long waitMs(String account) {
    State s = accounts.get(account);
    if (s == null) {
      return 0;
    }
    synchronized (s) {
      return Math.max(0, s.lockedUntil - clock.millis());
    }
  }

  /** Records a failed login; returns the lock it starts in ms (0 while failures are free). */
  public long failed(String account) {
    long now = clock.millis();
    long[] lock = new long[1];
    accounts.compute(
        account,
        (k, old) -> {
          State s = old == null || now - old.lastFailure > forgetMs ? new State() : old;
          s.failures++;
          s.lastFailure = now;
          int over = s.failures - freeFailures;
          if (over > 0) {
            int shift = Math.min(over - 1, 40);
            lock[0] = Math.min(maxMs, baseMs << shift);
            s.lockedUntil = now + lock[0];
          }
          return s;
        });
    if (accounts.size() > maxKeys) {
      sweep(now);
    }
    return lock[0];
  }

  /** A successful login: the account starts afresh. */
  public void succeeded(String account) {
    accounts.remove(account);
  }

  /** Accounts tracked (for tests and metrics). */
  public int trackedKeys() {
    return accounts.size();
  }

  private synchronized void sweep(long now) {
    accounts.entrySet().removeIf(e -> e.getValue().forgotten(now, forgetMs));
    var it = accounts.keySet().iterator();
    while (accounts.size() > maxKeys - maxKeys / 10 && it.hasNext()) {
      it.next();
      it.remove();
    }
  }

  private static final class State {
    int failures;
    long lastFailure;
    long lockedUntil;

    synchronized boolean forgotten(long now, long forgetMs) {
      return now - lastFailure > forgetMs && now >= lockedUntil;
    }
  }
}
