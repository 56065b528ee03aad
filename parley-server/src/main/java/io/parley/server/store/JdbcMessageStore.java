package io.parley.server.store;

import io.parley.server.conversation.model.Position;
import io.parley.server.messaging.MessageStore;
import io.parley.server.messaging.NewMessage;
import io.parley.server.messaging.StoredMessage;
import io.parley.server.messaging.UnknownRecipientException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

/**
 * {@link MessageStore} over JDBC; subclasses tell which failures are transient races.
 *
 * <p><b>append</b> runs one transaction per batch:
 *
 * <ol>
 *   <li>(step 0) find or create the direct conversation of every pair the batch sends to by {@code
 *       to_user_id} ({@link #resolveDirectPairs}); a conversation created here gets its {@code
 *       last_seq} set directly in step 2, as no other transaction can hold its row;
 *   <li>look up the batch's (sender, client_msg_id) keys that are already stored, and dedupe
 *       repeated keys within the batch (first occurrence wins), so duplicates consume no seq. On
 *       SQLite ({@link #dedupeOnInsert}) the lookup is skipped: the insert ignores a stored key,
 *       and if it met one the transaction rolls back and the batch runs again with the lookup;
 *   <li>per conversation, in ascending id order (a fixed lock order, so concurrent batches cannot
 *       deadlock), reserve {@code k} seqs with {@code UPDATE conversations SET last_seq = last_seq
 *       + k ... RETURNING last_seq}; in PostgreSQL that row lock serializes writers across nodes,
 *       in SQLite the single writer connection does;
 *   <li>insert the new rows with a plain {@code INSERT};
 *   <li>raise the delivered/read positions handed along ({@link #appendWith}, {@link PositionSql})
 *       and commit: messages and receipts of one writer batch share one commit (one fsync).
 * </ol>
 *
 * If another connection stored one of the keys between steps 1 and 3 (possible only with
 * PostgreSQL), the insert fails on the unique key, the transaction rolls back (releasing the
 * reserved seqs, so no gap) and the whole batch is retried, this time seeing the duplicate. A batch
 * naming a conversation that does not exist fails as a whole with {@link IllegalArgumentException}
 * and stores nothing.
 */
public abstract class JdbcMessageStore implements MessageStore {
  private static final String COLS =
      "message_id, conversation_id, seq, sender_id, sender_device_id, client_msg_id, ts, body";
  private static final String M_COLS =
      Arrays.stream(COLS.split(", ")).map(col -> "m." + col).collect(Collectors.joining(", "));
  private static final int LOOKUP_CHUNK = 256;
  private static final int MAX_ATTEMPTS = 8;

  protected final Database db;

  protected JdbcMessageStore(Database db) {
    this.db = db;
  }

  /** Work done inside each append transaction, after the new messages are inserted. */
  @FunctionalInterface
  public interface AppendHook {
    /**
     * Called with the connection of the open append transaction and the messages it inserts (not
     * duplicates); a failure rolls the whole batch back.
     */
    void afterAppend(Connection tx, java.util.Collection<StoredMessage> inserted)
        throws SQLException;
  }

  private volatile AppendHook pushHook = (c, inserted) -> {};

  /** Sets the push outbox hook (transactional outbox of push jobs). */
  public void setPushHook(AppendHook hook) {
    this.pushHook = hook;
  }

  /**
   * Whether {@code e} is a race with another connection after which the batch can simply be retried
   * (unique-key race, deadlock, serialization failure).
   */
  protected abstract boolean isTransientConflict(SQLException e);

  /**
   * Whether the dedupe lookup (step 1) may be skipped: the insert ignores a stored key ({@code ON
   * CONFLICT DO NOTHING}) and a row count of 0 sends the batch back to run with the lookup. Only
   * where a JDBC batch reports its row counts (SQLite); retries are rare (a client resending after
   * a lost ack), and the lookup was a tenth of the SQLite writer's time.
   */
  protected boolean dedupeOnInsert() {
    return false;
  }

  /** Thrown inside the append transaction when the insert met a stored key: retry with lookup. */
  private static final class StoredBefore extends RuntimeException {
    private static final long serialVersionUID = 1L;

    StoredBefore() {
      super("a key of the batch is stored already", null, false, false);
    }
  }

  @Override
  public Commit appendWith(List<NewMessage> batch, PositionUpdates positions) {
    if (batch.isEmpty() && positions.isEmpty()) {
      return new Commit(List.of(), RaisedPositions.NONE);
    }
    boolean lookupFirst = !dedupeOnInsert();
    for (int attempt = 1; ; attempt++) {
      boolean lookup = lookupFirst;
      try {
        return db.write(
            c -> {
              List<AppendResult> results =
                  batch.isEmpty() ? List.of() : appendOnce(c, batch, lookup);
              // positions after the messages: they only name seqs committed before
              return new Commit(results, PositionSql.advance(c, db.dialect(), positions));
            });
      } catch (StoredBefore e) {
        lookupFirst = true; // rolled back: again, finding the stored keys first
      } catch (StoreException e) {
        SQLException cause = e.sqlException();
        if (attempt >= MAX_ATTEMPTS || cause == null || !isTransientConflict(cause)) {
          throw e;
        }
      }
    }
  }

  private List<AppendResult> appendOnce(Connection c, List<NewMessage> input, boolean lookupFirst)
      throws SQLException {
    // 0. sends by to_user_id to a pair not known to the node: find or create the conversation here
    Set<Long> created = new HashSet<>();
    List<NewMessage> batch = resolveDirect(c, input, created);
    // 1. keys already stored, then new keys (first occurrence in the batch wins)
    Map<Key, StoredMessage> existing = lookupFirst ? lookup(c, batch) : Map.of();
    Map<Key, NewMessage> fresh = new LinkedHashMap<>();
    for (NewMessage m : batch) {
      Key k = Key.of(m);
      if (!existing.containsKey(k)) {
        fresh.putIfAbsent(k, m);
      }
    }
    // 2. reserve seqs per conversation, in ascending conversation id order
    Map<Long, List<NewMessage>> byConversation = new TreeMap<>();
    for (NewMessage m : fresh.values()) {
      byConversation.computeIfAbsent(m.conversationId(), id -> new ArrayList<>()).add(m);
    }
    Map<Key, StoredMessage> stored = new HashMap<>();
    // conversations created in step 0 start at last_seq 0 and are locked by this transaction
    // already: their seqs are set in one batch instead of a reserving UPDATE each
    Map<Long, Integer> createdCounts = new TreeMap<>();
    try (PreparedStatement reserve =
        c.prepareStatement(
            "UPDATE conversations SET last_seq = last_seq + ? WHERE id = ? RETURNING last_seq")) {
      for (Map.Entry<Long, List<NewMessage>> e : byConversation.entrySet()) {
        List<NewMessage> msgs = e.getValue();
        long last;
        if (created.contains(e.getKey())) {
          createdCounts.put(e.getKey(), msgs.size());
          last = msgs.size();
        } else {
          try (ResultSet rs = Sql.bind(reserve, msgs.size(), e.getKey()).executeQuery()) {
            if (!rs.next()) {
              throw new IllegalArgumentException("no such conversation: " + e.getKey());
            }
            last = rs.getLong(1);
          }
        }
        long seq = last - msgs.size();
        for (NewMessage m : msgs) {
          seq++;
          stored.put(
              Key.of(m),
              new StoredMessage(
                  m.messageId(),
                  m.conversationId(),
                  seq,
                  m.senderId(),
                  m.senderDeviceId(),
                  m.clientMsgId(),
                  m.ts(),
                  m.bodyJson()));
        }
      }
    }
    if (!createdCounts.isEmpty()) {
      try (PreparedStatement set =
          c.prepareStatement("UPDATE conversations SET last_seq = ? WHERE id = ?")) {
        for (Map.Entry<Long, Integer> e : createdCounts.entrySet()) {
          Sql.bind(set, (long) e.getValue(), e.getKey()).addBatch();
        }
        set.executeBatch();
      }
    }
    // 3. insert
    if (!stored.isEmpty()) {
      try (PreparedStatement ins =
          c.prepareStatement(
              "INSERT INTO messages ("
                  + COLS
                  + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?)"
                  + (lookupFirst ? "" : " ON CONFLICT (sender_id, client_msg_id) DO NOTHING"))) {
        for (StoredMessage m : stored.values()) {
          Sql.bind(
              ins,
              m.messageId(),
              m.conversationId(),
              m.seq(),
              m.senderId(),
              m.senderDeviceId(),
              m.clientMsgId(),
              m.ts(),
              m.bodyJson());
          ins.addBatch();
        }
        int[] counts = ins.executeBatch();
        if (!lookupFirst) {
          for (int n : counts) {
            if (n == 0) {
              throw new StoredBefore();
            }
          }
        }
      }
      // media (F11): record which media each new message references, in the same transaction
      List<io.parley.server.media.MediaRefs.Ref> refs = new ArrayList<>();
      for (StoredMessage m : stored.values()) {
        var ref =
            io.parley.server.media.MediaRefs.of(m.conversationId(), m.messageId(), m.bodyJson());
        if (ref != null) {
          refs.add(ref);
        }
      }
      io.parley.server.media.MediaStore.recordReferences(c, refs);
    }
    // 4. push outbox: jobs for offline recipients, written in this same transaction
    if (!stored.isEmpty()) {
      pushHook.afterAppend(c, stored.values());
    }
    // results in input order; only the first occurrence of a new key is not a duplicate
    List<AppendResult> results = new ArrayList<>(batch.size());
    Set<Key> emitted = new HashSet<>();
    for (NewMessage m : batch) {
      Key k = Key.of(m);
      StoredMessage old = existing.get(k);
      if (old != null) {
        results.add(new AppendResult(old, true));
      } else {
        results.add(new AppendResult(stored.get(k), !emitted.add(k)));
      }
    }
    return results;
  }

  /** A pair of users whose direct conversation a batch needs: {@code key} is {@link #keyOf}. */
  protected record DirectPair(String key, long newId, long sender, long peer, long ts) {
    /** The pair's key, {@code "min:max"}, the same whichever user comes first. */
    static String keyOf(long userA, long userB) {
      return Math.min(userA, userB) + ":" + Math.max(userA, userB);
    }
  }

  /**
   * Step 0, inside the append transaction: the direct conversation id of each of {@code pairs}
   * (distinct keys, ascending), created with the pair's {@code newId} if it has none; ids created
   * here go into {@code created} (their {@code last_seq} is 0); a pair whose peer does not exist is
   * left out. SQLite: {@link SqliteDirectPairs}, a few statements per batch; {@link
   * PostgresMessageStore}: the whole batch in a constant number of round trips.
   */
  protected abstract Map<String, Long> resolveDirectPairs(
      Connection c, List<DirectPair> pairs, Set<Long> created) throws SQLException;

  /**
   * {@code batch} with every {@link NewMessage#directWith} send moved to its pair's direct
   * conversation, created in this transaction if new; the batch itself if there is none.
   */
  private List<NewMessage> resolveDirect(Connection c, List<NewMessage> batch, Set<Long> created)
      throws SQLException {
    Map<String, DirectPair> pairs = new TreeMap<>();
    for (NewMessage m : batch) {
      if (m.directWith() != 0) {
        String key = directKey(m);
        pairs.putIfAbsent(
            key, new DirectPair(key, m.conversationId(), m.senderId(), m.directWith(), m.ts()));
      }
    }
    if (pairs.isEmpty()) {
      return batch;
    }
    Map<String, Long> ids = resolveDirectPairs(c, new ArrayList<>(pairs.values()), created);
    List<NewMessage> out = new ArrayList<>(batch);
    for (int i = 0; i < batch.size(); i++) {
      NewMessage m = batch.get(i);
      if (m.directWith() != 0) {
        Long id = ids.get(directKey(m));
        if (id == null) {
          throw new UnknownRecipientException(m.directWith());
        }
        out.set(i, m.inConversation(id));
      }
    }
    return out;
  }

  private static String directKey(NewMessage m) {
    return DirectPair.keyOf(m.senderId(), m.directWith());
  }

  /** Stored messages for the (sender, client_msg_id) keys of {@code batch}. */
  private static Map<Key, StoredMessage> lookup(Connection c, List<NewMessage> batch)
      throws SQLException {
    Set<Key> distinct = new LinkedHashSet<>();
    for (NewMessage m : batch) {
      distinct.add(Key.of(m));
    }
    List<Key> keys = new ArrayList<>(distinct);
    Map<Key, StoredMessage> found = new HashMap<>();
    for (int from = 0; from < keys.size(); from += LOOKUP_CHUNK) {
      List<Key> chunk = Sql.padded(keys.subList(from, Math.min(keys.size(), from + LOOKUP_CHUNK)));
      // a join with a VALUES list: both SQLite and PostgreSQL probe the unique index per key
      // (SQLite would scan the table for "(sender_id, client_msg_id) IN (VALUES ...)")
      String sql =
          "SELECT "
              + M_COLS
              + " FROM (VALUES "
              + Sql.repeat("(?, ?)", chunk.size())
              + ") AS k JOIN messages m"
              + " ON m.sender_id = k.column1 AND m.client_msg_id = k.column2";
      try (PreparedStatement ps = c.prepareStatement(sql)) {
        int p = 1;
        for (Key k : chunk) {
          ps.setLong(p++, k.senderId());
          ps.setString(p++, k.clientMsgId());
        }
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            StoredMessage m = message(rs);
            found.put(new Key(m.senderId(), m.clientMsgId()), m);
          }
        }
      }
    }
    return found;
  }

  @Override
  public Optional<StoredMessage> findByClientMsgId(long senderId, String clientMsgId) {
    return db.read(
        c ->
            query(
                    c,
                    "SELECT " + COLS + " FROM messages WHERE sender_id = ? AND client_msg_id = ?",
                    senderId,
                    clientMsgId)
                .stream()
                .findFirst());
  }

  @Override
  public List<StoredMessage> range(
      long conversationId, long afterSeq, long beforeSeq, int limit, boolean newestFirst) {
    if (limit <= 0) {
      return List.of();
    }
    List<StoredMessage> out =
        db.read(
            c ->
                query(
                    c,
                    "SELECT "
                        + COLS
                        + " FROM messages WHERE conversation_id = ? AND seq > ? AND seq < ?"
                        + " ORDER BY seq "
                        + (newestFirst ? "DESC" : "ASC")
                        + " LIMIT ?",
                    conversationId,
                    afterSeq,
                    beforeSeq,
                    limit));
    if (newestFirst) {
      Collections.reverse(out);
    }
    return out;
  }

  @Override
  public Optional<StoredMessage> last(long conversationId) {
    return db.read(
        c ->
            query(
                    c,
                    "SELECT "
                        + COLS
                        + " FROM messages WHERE conversation_id = ? ORDER BY seq DESC LIMIT 1",
                    conversationId)
                .stream()
                .findFirst());
  }

  @Override
  public int countUnread(long conversationId, long userId, long afterSeq) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
                  Sql.bind(
                      c.prepareStatement(
                          "SELECT COUNT(*) FROM messages"
                              + " WHERE conversation_id = ? AND seq > ? AND sender_id <> ?"),
                      conversationId,
                      afterSeq,
                      userId);
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getInt(1);
          }
        });
  }

  @Override
  public void advanceDevicePositions(List<Position> updates) {
    if (!updates.isEmpty()) {
      db.write(
          c -> {
            PositionSql.advanceDevices(c, updates);
            return null;
          });
    }
  }

  @Override
  public Map<Long, Long> devicePositions(long deviceId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
                  Sql.bind(
                      c.prepareStatement(
                          "SELECT conversation_id, delivered_seq FROM device_positions"
                              + " WHERE device_id = ?"),
                      deviceId);
              ResultSet rs = ps.executeQuery()) {
            Map<Long, Long> out = new HashMap<>();
            while (rs.next()) {
              out.put(rs.getLong(1), rs.getLong(2));
            }
            return out;
          }
        });
  }

  private static List<StoredMessage> query(Connection c, String sql, Object... params)
      throws SQLException {
    return Sql.query(c, sql, JdbcMessageStore::message, params);
  }

  private static StoredMessage message(ResultSet rs) throws SQLException {
    return new StoredMessage(
        rs.getLong(1),
        rs.getLong(2),
        rs.getLong(3),
        rs.getLong(4),
        rs.getLong(5),
        rs.getString(6),
        rs.getLong(7),
        rs.getString(8));
  }

  /** The idempotency key of a message. */
  private record Key(long senderId, String clientMsgId) {
    static Key of(NewMessage m) {
      return new Key(m.senderId(), m.clientMsgId());
    }
  }
}
