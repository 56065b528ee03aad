package io.parley.server.media;

import io.parley.server.retention.RetentionListener;
import io.parley.server.store.Database;
import java.io.IOException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Media cleanup after retention (F15): drops the message→media references of purged messages and,
 * at the end of each retention cycle, collects media no message references any more and older than
 * the grace period (so a fresh upload not yet sent is kept). Collecting deletes the media row and
 * its thumbnail, decrements the blob reference counts and deletes blobs reaching 0 from the {@link
 * BlobStore}. Works in bounded batches, each its own write transaction (the single writer
 * connection on SQLite); the same SQL runs on SQLite and PostgreSQL.
 */
public final class MediaRetention implements RetentionListener {
  private static final Logger log = LoggerFactory.getLogger(MediaRetention.class);

  private final Database db;
  private final BlobStore blobs;
  private final long graceMs;
  private final int batchSize;

  public MediaRetention(Database db, BlobStore blobs, long graceMs, int batchSize) {
    this.db = db;
    this.blobs = blobs;
    this.graceMs = graceMs;
    this.batchSize = Math.max(1, batchSize);
  }

  @Override
  public void purged(long conversationId, List<PurgedMessage> messages) {
    if (messages.isEmpty()) {
      return;
    }
    try {
      db.write(
          c -> {
            try (PreparedStatement ps =
                c.prepareStatement(
                    "DELETE FROM message_media WHERE conversation_id = ? AND message_id = ?")) {
              for (PurgedMessage m : messages) {
                ps.setLong(1, conversationId);
                ps.setLong(2, m.messageId());
                ps.addBatch();
              }
              ps.executeBatch();
            }
            return null;
          });
    } catch (RuntimeException e) {
      log.warn("cannot drop media references of purged messages in {}", conversationId, e);
    }
  }

  @Override
  public void cycleFinished(long nowMs) {
    try {
      long collected = collect(nowMs - graceMs);
      if (collected > 0) {
        log.info("media retention collected {} unreferenced media", collected);
      }
    } catch (RuntimeException e) {
      log.warn("media retention failed", e);
    }
  }

  /**
   * Collects unreferenced media created before {@code cutoffMs}, batch by batch; returns how many
   * media (not counting thumbnails) were deleted.
   */
  public long collect(long cutoffMs) {
    long total = 0;
    long afterId = Long.MIN_VALUE;
    while (true) {
      List<Long> ids = candidates(cutoffMs, afterId);
      if (ids.isEmpty()) {
        return total;
      }
      afterId = ids.get(ids.size() - 1);
      List<String> freed = new ArrayList<>();
      total += db.write(c -> deleteBatch(c, ids, freed));
      for (String sha : freed) {
        deleteBlob(sha);
      }
      if (ids.size() < batchSize) {
        return total;
      }
    }
  }

  private List<Long> candidates(long cutoffMs, long afterId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT m.id FROM media m WHERE m.kind <> 'thumbnail' AND m.created_at < ?"
                      + " AND m.id > ? AND NOT EXISTS"
                      + " (SELECT 1 FROM message_media mm WHERE mm.media_id = m.id)"
                      + " ORDER BY m.id LIMIT ?")) {
            ps.setLong(1, cutoffMs);
            ps.setLong(2, afterId);
            ps.setInt(3, batchSize);
            List<Long> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(rs.getLong(1));
              }
            }
            return out;
          }
        });
  }

  /**
   * Deletes the media of {@code ids} still unreferenced (re-checked inside the transaction, so a
   * message sent meanwhile keeps its media) with their thumbnails; adds to {@code freed} the blobs
   * whose count reached 0 (their rows are deleted too).
   */
  private static long deleteBatch(Connection c, List<Long> ids, List<String> freed)
      throws SQLException {
    long deleted = 0;
    for (long id : ids) {
      List<String[]> rows = new ArrayList<>(); // {id, sha256}
      try (PreparedStatement ps =
          c.prepareStatement(
              "SELECT id, sha256 FROM media WHERE (id = ? OR (thumbnail_of = ? AND kind ="
                  + " 'thumbnail')) AND NOT EXISTS"
                  + " (SELECT 1 FROM message_media mm WHERE mm.media_id = ?)")) {
        ps.setLong(1, id);
        ps.setLong(2, id);
        ps.setLong(3, id);
        try (ResultSet rs = ps.executeQuery()) {
          while (rs.next()) {
            rows.add(new String[] {Long.toString(rs.getLong(1)), rs.getString(2)});
          }
        }
      }
      if (rows.isEmpty()) {
        continue;
      }
      deleted++;
      for (String[] r : rows) {
        try (PreparedStatement ps = c.prepareStatement("DELETE FROM media WHERE id = ?")) {
          ps.setLong(1, Long.parseLong(r[0]));
          ps.executeUpdate();
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "UPDATE media_blobs SET ref_count = ref_count - 1 WHERE sha256 = ?")) {
          ps.setString(1, r[1]);
          ps.executeUpdate();
        }
        try (PreparedStatement ps =
            c.prepareStatement(
                "DELETE FROM media_blobs WHERE sha256 = ? AND ref_count <= 0"
                    + " AND NOT EXISTS (SELECT 1 FROM media WHERE sha256 = ?)")) {
          ps.setString(1, r[1]);
          ps.setString(2, r[1]);
          if (ps.executeUpdate() > 0) {
            freed.add(r[1]);
          }
        }
      }
    }
    return deleted;
  }

  private void deleteBlob(String sha256) {
    // A new upload of the same bytes may have re-created the blob row since the commit: keep it.
    boolean reused =
        db.read(
            c -> {
              try (PreparedStatement ps =
                  c.prepareStatement("SELECT 1 FROM media_blobs WHERE sha256 = ?")) {
                ps.setString(1, sha256);
                try (ResultSet rs = ps.executeQuery()) {
                  return rs.next();
                }
              }
            });
    if (reused) {
      return;
    }
    try {
      blobs.delete(sha256);
    } catch (IOException | RuntimeException e) {
      log.warn("cannot delete media blob {}", sha256, e);
    }
  }
}
