package io.parley.server.push;

import io.parley.server.auth.User;
import io.parley.server.auth.UserStore;
import io.parley.server.config.ParleyConfig;
import io.parley.server.messaging.MessageStore;
import io.parley.server.ops.Metrics;
import io.parley.server.outbox.Outbox;
import io.parley.server.outbox.Outbox.Job;
import io.parley.server.push.PushJobs.Payload;
import io.parley.server.push.PushSender.Result;
import io.parley.server.push.PushTokenStore.PushToken;
import java.time.Clock;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Drains push jobs from the {@link Outbox}: every poll it claims the due jobs (with their
 * not-yet-due group mates, so one device's pending messages of one conversation become one
 * notification), re-checks each group (device reconnected or already delivered past those messages:
 * dropped; token gone: dropped) and sends the rest through the device's provider, groups in
 * parallel. Failures retry with exponential backoff and full jitter (429: after Retry-After),
 * dead-letter after {@code max_attempts}; a provider whose circuit breaker is open has its jobs
 * held back without counting attempts, while other providers go on. An invalid token is removed.
 */
public final class PushDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(PushDispatcher.class);

  private final Outbox outbox;
  private final PushTokenStore tokens;
  private final MessageStore messages;
  private final UserStore users;
  private final DevicePresence presence;
  private final Map<String, PushSender> senders;
  private final Map<String, CircuitBreaker> breakers = new LinkedHashMap<>();
  private final Backoff backoff;
  private final ParleyConfig.Push cfg;
  private final Clock clock;
  private final Metrics metrics;
  private final ExecutorService sends = Executors.newVirtualThreadPerTaskExecutor();
  private final ScheduledExecutorService poller;

  public PushDispatcher(
      Outbox outbox,
      PushTokenStore tokens,
      MessageStore messages,
      UserStore users,
      DevicePresence presence,
      List<PushSender> senders,
      Backoff backoff,
      ParleyConfig.Push cfg,
      Clock clock,
      Metrics metrics) {
    this.outbox = outbox;
    this.tokens = tokens;
    this.messages = messages;
    this.users = users;
    this.presence = presence;
    this.senders = new LinkedHashMap<>();
    for (PushSender s : senders) {
      this.senders.put(s.provider(), s);
      breakers.put(
          s.provider(), new CircuitBreaker(cfg.breakerFailures(), cfg.breakerCooldownMs(), clock));
    }
    this.backoff = backoff;
    this.cfg = cfg;
    this.clock = clock;
    this.metrics = metrics;
    this.poller =
        Executors.newSingleThreadScheduledExecutor(
            r -> {
              Thread t = new Thread(r, "parley-push-drainer");
              t.setDaemon(true);
              return t;
            });
    metrics.gauge(
        "parley_push_queue_depth", "push jobs pending", () -> outbox.pending(PushJobs.KIND));
    metrics.gauge(
        "parley_push_dead_letters",
        "push jobs dead-lettered",
        () -> outbox.deadLetters(PushJobs.KIND));
    for (Map.Entry<String, CircuitBreaker> e : breakers.entrySet()) {
      io.micrometer.core.instrument.Gauge.builder(
              "parley_push_breaker_open",
              e.getValue(),
              b -> b.state() == CircuitBreaker.State.CLOSED ? 0 : 1)
          .description("1 while the provider's circuit breaker is open or half-open")
          .tag("provider", e.getKey())
          .register(metrics.registry());
    }
  }

  /** Starts polling every {@code poll_ms}. */
  public void start() {
    poller.scheduleWithFixedDelay(
        () -> {
          try {
            while (drainOnce() >= cfg.batchSize()) {
              // a full batch: more may be due right away
            }
          } catch (RuntimeException e) {
            log.error("push drain failed", e);
          }
        },
        cfg.pollMs(),
        cfg.pollMs(),
        TimeUnit.MILLISECONDS);
  }

  public CircuitBreaker breaker(String provider) {
    return breakers.get(provider);
  }

  /** Claims due jobs once and handles them; returns how many due jobs were claimed. */
  public int drainOnce() {
    List<Job> jobs = outbox.claim(PushJobs.KIND, clock.millis(), cfg.batchSize(), cfg.leaseMs());
    if (jobs.isEmpty()) {
      return 0;
    }
    Map<String, List<Job>> groups = new LinkedHashMap<>();
    for (Job j : jobs) {
      groups.computeIfAbsent(j.groupKey(), k -> new ArrayList<>()).add(j);
    }
    List<Future<?>> running = new ArrayList<>();
    for (List<Job> group : groups.values()) {
      running.add(sends.submit(() -> handleSafely(group)));
    }
    for (Future<?> f : running) {
      try {
        f.get();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      } catch (java.util.concurrent.ExecutionException e) {
        log.error("push group failed", e.getCause());
      }
    }
    return jobs.size();
  }

  private void handleSafely(List<Job> group) {
    try {
      handle(group);
    } catch (RuntimeException e) {
      // leave the jobs leased: they come back after the lease
      log.error("push job handling failed", e);
    }
  }

  private void handle(List<Job> group) {
    List<Payload> payloads = group.stream().map(j -> Payload.parse(j.payload())).toList();
    Payload first = payloads.get(0);
    List<Long> all = group.stream().map(Job::id).toList();
    Optional<PushToken> token = tokens.find(first.deviceId());
    if (token.isEmpty()) {
      drop(all, "no_token");
      return;
    }
    if (users.findDevice(first.deviceId()).filter(d -> d.active()).isEmpty()) {
      tokens.deleteIfMatches(first.deviceId(), token.get().token());
      drop(all, "device_revoked");
      return;
    }
    if (presence.deviceOnline(first.userId(), first.deviceId())) {
      drop(all, "device_online");
      return;
    }
    long delivered =
        messages.devicePositions(first.deviceId()).getOrDefault(first.conversationId(), 0L);
    List<Long> live = new ArrayList<>();
    List<Payload> livePayloads = new ArrayList<>();
    List<Long> stale = new ArrayList<>();
    int attempts = 0;
    for (int i = 0; i < group.size(); i++) {
      if (payloads.get(i).seq() > delivered) {
        live.add(group.get(i).id());
        livePayloads.add(payloads.get(i));
        attempts = Math.max(attempts, group.get(i).attempts());
      } else {
        stale.add(group.get(i).id());
      }
    }
    if (!stale.isEmpty()) {
      drop(stale, "delivered");
    }
    if (live.isEmpty()) {
      return;
    }
    String provider = token.get().provider();
    PushSender sender = senders.get(provider);
    if (sender == null) {
      drop(live, "unconfigured");
      return;
    }
    CircuitBreaker breaker = breakers.get(provider);
    if (!breaker.tryAcquire()) {
      outbox.reschedule(live, breaker.reopensAt());
      count(provider, "held");
      return;
    }
    Result r = sender.send(token.get().token(), notification(livePayloads));
    switch (r.outcome()) {
      case OK -> {
        breaker.success();
        outbox.complete(live);
        count(provider, "ok");
      }
      case INVALID_TOKEN -> {
        breaker.success();
        tokens.deleteIfMatches(first.deviceId(), token.get().token());
        outbox.complete(live);
        count(provider, "invalid_token");
        log.info(
            "push token of device {} ({}) removed: {}", first.deviceId(), provider, r.detail());
      }
      case FAILED -> {
        breaker.success();
        outbox.deadLetter(live, r.detail());
        count(provider, "failed");
        log.warn("push to device {} via {} rejected: {}", first.deviceId(), provider, r.detail());
      }
      case RETRY -> retry(live, attempts + 1, provider, breaker, r, first.deviceId());
    }
  }

  private void retry(
      List<Long> ids, int attempt, String provider, CircuitBreaker breaker, Result r, long device) {
    if (r.retryAfterMs() == null) {
      breaker.failure(); // a 429 with Retry-After is flow control, not a broken provider
    } else {
      breaker.success();
    }
    if (attempt >= cfg.maxAttempts()) {
      outbox.deadLetter(ids, r.detail());
      count(provider, "dead");
      log.warn(
          "push to device {} via {} dead-lettered after {} attempts: {}",
          device,
          provider,
          attempt,
          r.detail());
      return;
    }
    long delay = r.retryAfterMs() != null ? r.retryAfterMs() : backoff.delayMs(attempt);
    outbox.retry(ids, clock.millis() + delay, r.detail());
    count(provider, "retry");
    log.info(
        "push to device {} via {} failed (attempt {}): {}; retry in {} ms",
        device,
        provider,
        attempt,
        r.detail(),
        delay);
  }

  /** One notification for a device's pending messages of one conversation. */
  private Notification notification(List<Payload> ps) {
    Payload last = ps.get(ps.size() - 1);
    for (Payload p : ps) {
      if (p.seq() > last.seq()) {
        last = p;
      }
    }
    boolean opaque = ps.stream().anyMatch(p -> p.preview() == null);
    long sender = last.senderId();
    boolean oneSender = ps.stream().allMatch(p -> p.senderId() == sender);
    String title =
        oneSender && !opaque
            ? users.findUser(sender).map(User::displayName).orElse("Parley")
            : "Parley";
    String body =
        ps.size() > 1
            ? ps.size() + " new messages"
            : last.preview() == null ? "New message" : last.preview();
    Map<String, String> data = new LinkedHashMap<>();
    data.put("conversation_id", Long.toString(last.conversationId()));
    data.put("message_id", Long.toString(last.messageId()));
    data.put("seq", Long.toString(last.seq()));
    data.put("count", Integer.toString(ps.size()));
    return new Notification(title, body, Long.toString(last.conversationId()), data, ps.size());
  }

  private void drop(List<Long> ids, String reason) {
    outbox.complete(ids);
    metrics
        .counter(
            "parley_push_dropped", "push jobs dropped before sending, by reason", "reason", reason)
        .increment(ids.size());
  }

  private void count(String provider, String outcome) {
    metrics
        .counter(
            "parley_push_sent",
            "push sends by provider and outcome",
            "provider",
            provider,
            "outcome",
            outcome)
        .increment();
  }

  @Override
  public void close() {
    poller.shutdown();
    try {
      poller.awaitTermination(10, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    sends.shutdown();
    for (PushSender s : senders.values()) {
      if (s instanceof AutoCloseable c) {
        try {
          c.close();
        } catch (Exception e) {
          log.debug("closing push sender", e);
        }
      }
    }
  }
}
