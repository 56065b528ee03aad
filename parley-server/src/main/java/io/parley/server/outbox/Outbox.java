package io.parley.server.outbox;

import java.sql.Connection;
import java.sql.SQLException;
import java.util.Collection;
import java.util.List;

/**
 * A durable transactional outbox: jobs written in the same transaction as the change that causes
 * them (so a committed change always has its job, and a rolled-back one never does), then drained
 * by workers with retries. Generic: {@code kind} names the job type, {@code payload} is opaque
 * text.
 *
 * <p>Contract:
 *
 * <ul>
 *   <li>{@link #insert} adds entries inside the caller's open transaction with one batched
 *       statement; an entry whose {@code dedupeKey} is already stored (pending, dead or in the same
 *       batch) is silently skipped.
 *   <li>{@link #claim} returns pending jobs of a kind that are due ({@code dueAt <= now}), oldest
 *       first, plus every other pending job sharing a {@code groupKey} with them (so a group is
 *       handled together), and moves their {@code dueAt} to {@code now + leaseMs}: until the lease
 *       ends no other claimer gets them. Safe to call concurrently from many nodes: a job is
 *       claimed by one caller per lease (PostgreSQL: {@code FOR UPDATE SKIP LOCKED}; SQLite: one
 *       serialized writer). A claimer that dies leaves its jobs due again after the lease
 *       (at-least-once).
 *   <li>A claimed job ends with {@link #complete} (deleted), {@link #retry} (pending again at
 *       {@code dueAt}, attempts + 1) or {@link #deadLetter} (kept with state dead, attempts + 1,
 *       never claimed again).
 * </ul>
 *
 * Implementations are thread-safe.
 */
public interface Outbox {

  /** A job to write. */
  record Entry(String kind, String dedupeKey, String groupKey, String payload, long dueAt) {}

  /** A stored job. {@code attempts} counts finished send attempts that failed. */
  record Job(
      long id,
      String kind,
      String dedupeKey,
      String groupKey,
      String payload,
      long dueAt,
      int attempts,
      String lastError) {}

  /** Inserts {@code entries} inside the open transaction on {@code tx}; one batched statement. */
  void insert(Connection tx, Collection<Entry> entries) throws SQLException;

  /** Inserts {@code entries} in a transaction of its own. */
  void enqueue(Collection<Entry> entries);

  /** Claims due jobs (and their group mates) for {@code leaseMs}; see the class contract. */
  List<Job> claim(String kind, long now, int limit, long leaseMs);

  /** Deletes finished jobs. */
  void complete(Collection<Long> ids);

  /** Makes jobs pending again at {@code dueAt}, counting a failed attempt. */
  void retry(Collection<Long> ids, long dueAt, String error);

  /** Makes jobs pending again at {@code dueAt} without counting an attempt (held back). */
  void reschedule(Collection<Long> ids, long dueAt);

  /** Moves jobs to the dead-letter state, counting a failed attempt. */
  void deadLetter(Collection<Long> ids, String error);

  /** Pending jobs of {@code kind} (queue depth), due or not. */
  long pending(String kind);

  /** Dead-lettered jobs of {@code kind}. */
  long deadLetters(String kind);

  /** Dead-lettered jobs of {@code kind}, oldest first, at most {@code limit}. */
  List<Job> dead(String kind, int limit);
}
