package io.parley.server.cluster;

import io.vertx.core.Context;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster-wide token-bucket rate limiter for one rule: every node shares each key's bucket in
 * Redis, updated atomically by one Lua script (run with {@code EVALSHA}, falling back to {@code
 * EVAL} on {@code NOSCRIPT}).
 *
 * <p>Semantics (the same as the node-local limiter's contract): each key's bucket holds at most
 * {@code burst} tokens, starts full, and refills continuously at {@code permits} per {@code
 * perMillis} ms. Taking {@code n} tokens succeeds (0) if the bucket holds them, else takes nothing
 * and answers the milliseconds to wait (&ge; 1, rounded up); {@code n > burst} counts as {@code
 * burst}. Time comes from the injected clock (passed to the script, so all nodes' buckets use node
 * time; a node whose clock lags never moves a bucket back). A bucket key expires once it would be
 * full again, so idle keys cost nothing.
 *
 * <p>Redis key: {@code {prefix}rl:{name}:{key}}, a hash {@code u} (tokens in units of 1/{@code
 * perMillis}, so all arithmetic is exact integers) and {@code ts} (ms of the last update).
 *
 * <p>{@link #acquire} is non-blocking. {@link #tryAcquire} has the node-local limiter's blocking
 * signature: it waits up to {@code timeout} for Redis and must not be called on an event loop. If
 * Redis fails or is too slow, both <em>fail open</em> (allow, count {@link #failOpenCount()}): an
 * outage of Redis must not stop chat; the node-local limits still apply.
 */
public final class RedisRateLimiter {
  private static final Logger log = LoggerFactory.getLogger(RedisRateLimiter.class);

  private static final LuaScript BUCKET =
      new LuaScript(
          """
          -- exact integer arithmetic: a token is perMillis units; each ms adds permits units
          local now = tonumber(ARGV[1])
          local per = tonumber(ARGV[5])
          local rate = tonumber(ARGV[4])
          local cap = tonumber(ARGV[3]) * per
          local want = tonumber(ARGV[2]) * per
          local b = redis.call('HMGET', KEYS[1], 'u', 'ts')
          local units = tonumber(b[1])
          local ts = tonumber(b[2])
          if units == nil or ts == nil then
            units = cap
            ts = now
          end
          if now > ts then
            units = math.min(cap, units + (now - ts) * rate)
            ts = now
          end
          local wait = 0
          if units >= want then
            units = units - want
          else
            wait = math.max(1, math.ceil((want - units) / rate))
          end
          redis.call('HSET', KEYS[1], 'u', string.format('%.0f', units), 'ts', string.format('%.0f', ts))
          redis.call('PEXPIRE', KEYS[1], math.ceil((cap - units) / rate) + 1000)
          return wait
          """);

  /**
   * A token-bucket rule: {@code permits} tokens per {@code perMillis} ms, at most {@code burst}
   * saved up.
   */
  public record Rate(long permits, long perMillis, long burst) {
    public Rate {
      if (permits < 1 || perMillis < 1 || burst < 1) {
        throw new IllegalArgumentException("a rate needs permits, period and burst >= 1");
      }
    }
  }

  private final ClusterRedis redis;
  private final String name;
  private final Rate rate;
  private final Clock clock;
  private final Duration timeout;
  private final LongAdder failOpen = new LongAdder();

  /**
   * @param name the rule's name, part of every key (e.g. {@code "msg"}, {@code "login-ip"})
   * @param timeout how long {@link #tryAcquire} waits for Redis before failing open
   */
  public RedisRateLimiter(
      ClusterRedis redis, String name, Rate rate, Clock clock, Duration timeout) {
    this.redis = redis;
    this.name = name;
    this.rate = rate;
    this.clock = clock;
    this.timeout = timeout;
  }

  public Rate rate() {
    return rate;
  }

  /** Decisions that allowed a request because Redis failed or was too slow. */
  public long failOpenCount() {
    return failOpen.sum();
  }

  /**
   * Takes {@code permits} tokens from {@code key}'s bucket if it holds them: 0 if allowed, else the
   * milliseconds to wait. Never blocks.
   *
   * @throws IllegalArgumentException if {@code permits < 1}
   */
  public Future<Long> acquire(String key, long permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1");
    }
    long want = Math.min(permits, rate.burst());
    return BUCKET
        .run(
            redis,
            List.of(redis.key("rl:" + name + ":" + key)),
            List.of(clock.millis(), want, rate.burst(), rate.permits(), rate.perMillis()))
        .map(r -> r.toLong())
        .otherwise(
            e -> {
              failOpen.increment();
              log.debug("rate limiter {} failing open: {}", name, e.toString());
              return 0L;
            });
  }

  /**
   * Blocking form of {@link #acquire} with the node-local limiter's signature; waits at most the
   * configured timeout, then fails open.
   *
   * @throws IllegalStateException on an event-loop thread (it would block the loop)
   */
  public long tryAcquire(String key, long permits) {
    if (Context.isOnEventLoopThread()) {
      throw new IllegalStateException("blocking tryAcquire on an event loop; use acquire()");
    }
    Future<Long> f = acquire(key, permits);
    try {
      return f.toCompletionStage()
          .toCompletableFuture()
          .get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      failOpen.increment();
      return 0;
    } catch (Exception e) {
      failOpen.increment();
      return 0;
    }
  }
}
