package io.parley.server.store;

import io.parley.server.outbox.Outbox;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@link Outbox} over JDBC. A claim runs in one transaction: lock the due jobs, lock their group
 * mates, move all their {@code due_at} to the end of the lease. Subclasses give the row-locking
 * clause of their dialect.
 */
public abstract class JdbcOutbox implements Outbox {
  private static final String COLS =
      "id, kind, dedupe_key, group_key, payload, due_at, attempts, last_error";
  private static final int CHUNK = 500;

  protected final Database db;

  protected JdbcOutbox(Database db) {
    this.db = db;
  }

  /** The outbox of {@code db}'s dialect. */
  public static Outbox of(Database db) {
    return switch (db.dialect()) {
      case SQLITE -> new SqliteOutbox(db);
      case POSTGRES -> new PostgresOutbox(db);
    };
  }

  /** Appended to the claim's SELECTs: row locks that other claimers skip, or "" if serialized. */
  protected abstract String lockClause();

  /** {@code INSERT} that ignores a duplicate {@code dedupe_key}. */
  private static final String INSERT =
      "INSERT INTO outbox (kind, dedupe_key, group_key, payload, due_at, created_at)"
          + " VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT (dedupe_key) DO NOTHING";

  @Override
  public void insert(Connection tx, Collection<Entry> entries) throws SQLException {
    if (entries.isEmpty()) {
      return;
    }
    long now = System.currentTimeMillis();
    try (PreparedStatement ps = tx.prepareStatement(INSERT)) {
      for (Entry e : entries) {
        Sql.bind(ps, e.kind(), e.dedupeKey(), e.groupKey(), e.payload(), e.dueAt(), now);
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  @Override
  public void enqueue(Collection<Entry> entries) {
    db.write(
        c -> {
          insert(c, entries);
          return null;
        });
  }

  private boolean anyDue(String kind, long now) {
    return db.read(
        c ->
            Sql.queryOne(
                    c,
                    "SELECT 1 FROM outbox WHERE state = 'pending' AND kind = ? AND due_at <= ?"
                        + " LIMIT 1",
                    rs -> true,
                    kind,
                    now)
                .isPresent());
  }

  @Override
  public List<Job> claim(String kind, long now, int limit, long leaseMs) {
    // most polls find nothing due: ask on a read connection first, so an idle poll takes no
    // write transaction (on SQLite, the writer connection the group commit needs)
    if (!anyDue(kind, now)) {
      return List.of();
    }
    return db.write(
        c -> {
          // 1. due jobs, oldest first
          List<Long> due = new ArrayList<>();
          Set<String> groups = new LinkedHashSet<>();
          try (PreparedStatement ps =
                  Sql.bind(
                      c.prepareStatement(
                          "SELECT id, group_key FROM outbox"
                              + " WHERE state = 'pending' AND kind = ? AND due_at <= ?"
                              + " ORDER BY due_at, id LIMIT ?"
                              + lockClause()),
                      kind,
                      now,
                      limit);
              ResultSet rs = ps.executeQuery()) {
            while (rs.next()) {
              due.add(rs.getLong(1));
              groups.add(rs.getString(2));
            }
          }
          if (due.isEmpty()) {
            return List.of();
          }
          // 2. their group mates that are not due yet
          Set<Long> ids = new LinkedHashSet<>(due);
          List<String> groupList = new ArrayList<>(groups);
          for (int from = 0; from < groupList.size(); from += CHUNK) {
            List<String> chunk = groupList.subList(from, Math.min(groupList.size(), from + CHUNK));
            Object[] params = new Object[chunk.size() + 2];
            params[0] = kind;
            params[1] = now;
            for (int i = 0; i < chunk.size(); i++) {
              params[i + 2] = chunk.get(i);
            }
            ids.addAll(
                Sql.query(
                    c,
                    "SELECT id FROM outbox WHERE state = 'pending' AND kind = ? AND due_at > ?"
                        + " AND group_key IN ("
                        + Sql.repeat("?", chunk.size())
                        + ")"
                        + lockClause(),
                    rs -> rs.getLong(1),
                    params));
          }
          // 3. lease them
          Map<Long, Job> claimed = new LinkedHashMap<>();
          List<Long> idList = new ArrayList<>(ids);
          for (int from = 0; from < idList.size(); from += CHUNK) {
            List<Long> chunk = idList.subList(from, Math.min(idList.size(), from + CHUNK));
            Object[] params = new Object[chunk.size() + 1];
            params[0] = now + leaseMs;
            for (int i = 0; i < chunk.size(); i++) {
              params[i + 1] = chunk.get(i);
            }
            for (Job j :
                Sql.query(
                    c,
                    "UPDATE outbox SET due_at = ? WHERE id IN ("
                        + Sql.repeat("?", chunk.size())
                        + ") RETURNING "
                        + COLS,
                    JdbcOutbox::job,
                    params)) {
              claimed.put(j.id(), j);
            }
          }
          List<Job> out = new ArrayList<>(claimed.size());
          for (Long id : ids) {
            Job j = claimed.get(id);
            if (j != null) {
              out.add(j);
            }
          }
          return out;
        });
  }

  @Override
  public void complete(Collection<Long> ids) {
    update("DELETE FROM outbox WHERE id = ?", ids, id -> new Object[] {id});
  }

  @Override
  public void retry(Collection<Long> ids, long dueAt, String error) {
    update(
        "UPDATE outbox SET due_at = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
        ids,
        id -> new Object[] {dueAt, truncate(error), id});
  }

  @Override
  public void reschedule(Collection<Long> ids, long dueAt) {
    update("UPDATE outbox SET due_at = ? WHERE id = ?", ids, id -> new Object[] {dueAt, id});
  }

  @Override
  public void deadLetter(Collection<Long> ids, String error) {
    update(
        "UPDATE outbox SET state = 'dead', attempts = attempts + 1, last_error = ? WHERE id = ?",
        ids,
        id -> new Object[] {truncate(error), id});
  }

  @Override
  public long pending(String kind) {
    return db.read(
        c ->
            Sql.queryOne(
                    c,
                    "SELECT COUNT(*) FROM outbox WHERE state = 'pending' AND kind = ?",
                    rs -> rs.getLong(1),
                    kind)
                .orElse(0L));
  }

  @Override
  public long deadLetters(String kind) {
    return db.read(
        c ->
            Sql.queryOne(
                    c,
                    "SELECT COUNT(*) FROM outbox WHERE state = 'dead' AND kind = ?",
                    rs -> rs.getLong(1),
                    kind)
                .orElse(0L));
  }

  @Override
  public List<Job> dead(String kind, int limit) {
    return db.read(
        c ->
            Sql.query(
                c,
                "SELECT "
                    + COLS
                    + " FROM outbox WHERE state = 'dead' AND kind = ? ORDER BY id LIMIT ?",
                JdbcOutbox::job,
                kind,
                limit));
  }

  private void update(
      String sql, Collection<Long> ids, java.util.function.Function<Long, Object[]> params) {
    if (ids.isEmpty()) {
      return;
    }
    db.write(
        c -> {
          try (PreparedStatement ps = c.prepareStatement(sql)) {
            for (Long id : ids) {
              Sql.bind(ps, params.apply(id)).addBatch();
            }
            ps.executeBatch();
          }
          return null;
        });
  }

  private static String truncate(String error) {
    return error == null || error.length() <= 1000 ? error : error.substring(0, 1000);
  }

  private static Job job(ResultSet rs) throws SQLException {
    return new Job(
        rs.getLong(1),
        rs.getString(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getLong(6),
        rs.getInt(7),
        rs.getString(8));
  }
}
