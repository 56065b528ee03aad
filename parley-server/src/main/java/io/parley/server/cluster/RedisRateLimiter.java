package io.parley.server.cluster;

import io.parley.server.abuse.InMemoryRateLimiter;
import io.parley.server.abuse.RateLimiter;
import io.vertx.core.Future;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A cluster-wide {@link RateLimiter}: every node shares each key's bucket in Redis, updated
 * atomically by one Lua script (run with {@code EVALSHA}, falling back to {@code EVAL} on {@code
 * NOSCRIPT}). Semantics are the contract's; time comes from the injected clock (passed to the
 * script, so all nodes' buckets use node time; a node whose clock lags never moves a bucket back).
 * A bucket key expires once it would be full again, so idle keys cost nothing.
 *
 * <p>Redis key: {@code {prefix}rl:{name}:{key}}, a hash {@code u} (tokens in units of 1/{@code
 * perMillis}, so all arithmetic is exact integers) and {@code ts} (ms of the last update).
 *
 * <p><b>Redis down or slow</b> (ADR 0005): a decision Redis does not answer within {@code timeout}
 * is made by a node-local {@link InMemoryRateLimiter} of the same rule instead (counted in {@link
 * #fallbackCount()}, logged once per outage), so the limit still holds per node and chat never
 * waits for Redis. After a failure the limiter stays local for {@code retry}; then one request at a
 * time probes Redis until it answers again. The stage returned by {@link #acquire} therefore always
 * completes, normally, within {@code timeout}.
 */
public final class RedisRateLimiter implements RateLimiter {
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

  private final ClusterRedis redis;
  private final String name;
  private final Limit limit;
  private final Clock clock;
  private final long timeoutMs;
  private final long retryNanos;
  private final InMemoryRateLimiter local;
  private final LongAdder fallbacks = new LongAdder();
  private final AtomicBoolean probing = new AtomicBoolean();
  private volatile boolean degraded;
  private volatile long localUntilNanos;

  /**
   * @param name the rule's name, part of every key (e.g. {@code "msg"}, {@code "login-ip"})
   * @param timeout how long a decision waits for Redis before the local bucket decides
   * @param retry how long the limiter stays local after Redis failed, before probing it again
   * @param maxLocalKeys keys the local fallback bucket tracks at most
   */
  public RedisRateLimiter(
      ClusterRedis redis,
      String name,
      Limit limit,
      Clock clock,
      Duration timeout,
      Duration retry,
      int maxLocalKeys) {
    this.redis = redis;
    this.name = name;
    this.limit = limit;
    this.clock = clock;
    this.timeoutMs = Math.max(1, timeout.toMillis());
    this.retryNanos = retry.toNanos();
    this.local = new InMemoryRateLimiter(limit, clock, maxLocalKeys);
  }

  @Override
  public Limit limit() {
    return limit;
  }

  /** Decisions made by the node-local bucket because Redis failed or was too slow. */
  public long fallbackCount() {
    return fallbacks.sum();
  }

  /** True while decisions are made locally (Redis failed and has not answered since). */
  public boolean degraded() {
    return degraded;
  }

  @Override
  public CompletionStage<Long> acquire(String key, long permits) {
    if (permits < 1) {
      throw new IllegalArgumentException("permits must be at least 1");
    }
    boolean probe = false;
    if (degraded) {
      if (System.nanoTime() - localUntilNanos < 0 || !probing.compareAndSet(false, true)) {
        return local(key, permits);
      }
      probe = true;
    }
    boolean isProbe = probe;
    long want = Math.min(permits, limit.burst());
    return BUCKET
        .run(
            redis,
            List.of(redis.key("rl:" + name + ":" + key)),
            List.of(clock.millis(), want, limit.burst(), limit.permits(), limit.perMillis()))
        .timeout(timeoutMs, TimeUnit.MILLISECONDS)
        .map(r -> r.toLong())
        .onSuccess(w -> recovered(isProbe))
        .recover(
            e -> {
              failed(e, isProbe);
              return Future.succeededFuture(localNow(key, permits));
            })
        .toCompletionStage();
  }

  private CompletionStage<Long> local(String key, long permits) {
    return CompletableFuture.completedFuture(localNow(key, permits));
  }

  private long localNow(String key, long permits) {
    fallbacks.increment();
    return local.tryAcquire(key, permits);
  }

  /** Only a probe ends an outage: a late answer to an earlier request proves nothing. */
  private void recovered(boolean probe) {
    if (probe) {
      degraded = false;
      probing.set(false);
      log.info("rate limiter {}: Redis answers again, limits are cluster-wide again", name);
    }
  }

  private void failed(Throwable e, boolean probe) {
    localUntilNanos = System.nanoTime() + retryNanos;
    if (!degraded) {
      degraded = true;
      log.warn(
          "rate limiter {}: Redis failed ({}); limiting per node until it answers again",
          name,
          e.toString());
    }
    if (probe) {
      probing.set(false);
    }
  }
}
