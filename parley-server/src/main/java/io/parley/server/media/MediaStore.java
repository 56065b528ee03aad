package io.parley.server.media;

import io.parley.server.store.Database;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Types;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

/**
 * Media rows, reference-counted blobs and message references, on SQLite or PostgreSQL (the SQL is
 * the same for both). One class: there is one implementation, not an interface.
 */
public final class MediaStore {
  private static final String COLS =
      "id, owner_id, sha256, kind, content_type, size, file_name, thumbnail_of, thumbnail_id,"
          + " created_at";

  private final Database db;

  public MediaStore(Database db) {
    this.db = db;
  }

  /**
   * Inserts a media row and takes a reference on its blob (creating the blob row with count 1 or
   * incrementing it), in one transaction.
   */
  public void insert(MediaRecord m) {
    db.write(
        c -> {
          insert(c, m);
          return null;
        });
  }

  /** Inserts an image and its thumbnail, linked, in one transaction. */
  public void insertWithThumbnail(MediaRecord image, MediaRecord thumb) {
    db.write(
        c -> {
          insert(c, image);
          insert(c, thumb);
          return null;
        });
  }

  private static void insert(Connection c, MediaRecord m) throws SQLException {
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO media_blobs (sha256, size, ref_count, created_at) VALUES (?, ?, 1, ?)"
                + " ON CONFLICT (sha256) DO UPDATE SET ref_count = media_blobs.ref_count + 1")) {
      ps.setString(1, m.sha256());
      ps.setLong(2, m.size());
      ps.setLong(3, m.createdAt());
      ps.executeUpdate();
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO media (" + COLS + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
      ps.setLong(1, m.id());
      ps.setLong(2, m.ownerId());
      ps.setString(3, m.sha256());
      ps.setString(4, m.kind());
      ps.setString(5, m.contentType());
      ps.setLong(6, m.size());
      if (m.fileName() == null) {
        ps.setNull(7, Types.VARCHAR);
      } else {
        ps.setString(7, m.fileName());
      }
      ps.setLong(8, m.thumbnailOf());
      ps.setLong(9, m.thumbnailId());
      ps.setLong(10, m.createdAt());
      ps.executeUpdate();
    }
  }

  public Optional<MediaRecord> find(long id) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT " + COLS + " FROM media WHERE id = ?")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.of(row(rs)) : Optional.<MediaRecord>empty();
            }
          }
        });
  }

  /** The uploader of a media, or 0 if there is no such media. */
  public long owner(long id) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT owner_id FROM media WHERE id = ? AND kind <> 'thumbnail'")) {
            ps.setLong(1, id);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? rs.getLong(1) : 0L;
            }
          }
        });
  }

  /**
   * Whether {@code userId} is a current member of a conversation where a message references media
   * {@code mediaId}.
   */
  public boolean sharedWith(long mediaId, long userId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT 1 FROM message_media mm JOIN members m"
                      + " ON m.conversation_id = mm.conversation_id AND m.user_id = ?"
                      + " WHERE mm.media_id = ? LIMIT 1")) {
            ps.setLong(1, userId);
            ps.setLong(2, mediaId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next();
            }
          }
        });
  }

  /**
   * The file name given by the newest document message referencing {@code mediaId} in a
   * conversation {@code userId} belongs to, if any.
   */
  public Optional<String> sharedFileName(long mediaId, long userId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT mm.file_name FROM message_media mm JOIN members m"
                      + " ON m.conversation_id = mm.conversation_id AND m.user_id = ?"
                      + " WHERE mm.media_id = ? AND mm.file_name IS NOT NULL"
                      + " ORDER BY mm.message_id DESC LIMIT 1")) {
            ps.setLong(1, userId);
            ps.setLong(2, mediaId);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? Optional.ofNullable(rs.getString(1)) : Optional.<String>empty();
            }
          }
        });
  }

  /** The references recorded for a media: (conversation id, message id) pairs. */
  public List<long[]> references(long mediaId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement(
                  "SELECT conversation_id, message_id FROM message_media WHERE media_id = ?"
                      + " ORDER BY message_id")) {
            ps.setLong(1, mediaId);
            List<long[]> out = new ArrayList<>();
            try (ResultSet rs = ps.executeQuery()) {
              while (rs.next()) {
                out.add(new long[] {rs.getLong(1), rs.getLong(2)});
              }
            }
            return out;
          }
        });
  }

  /** The reference count of a blob (0 if it has no row). */
  public long blobRefCount(String sha256) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT ref_count FROM media_blobs WHERE sha256 = ?")) {
            ps.setString(1, sha256);
            try (ResultSet rs = ps.executeQuery()) {
              return rs.next() ? rs.getLong(1) : 0L;
            }
          }
        });
  }

  /** Number of media rows (for tests and metrics). */
  public long count() {
    return db.read(
        c -> {
          try (PreparedStatement ps = c.prepareStatement("SELECT COUNT(*) FROM media");
              ResultSet rs = ps.executeQuery()) {
            rs.next();
            return rs.getLong(1);
          }
        });
  }

  /**
   * Records message→media references inside the message append transaction ({@code c} is its
   * connection). Called by the message store on the writer thread; one batched insert.
   */
  public static void recordReferences(Connection c, List<MediaRefs.Ref> refs) throws SQLException {
    if (refs.isEmpty()) {
      return;
    }
    try (PreparedStatement ps =
        c.prepareStatement(
            "INSERT INTO message_media (conversation_id, message_id, media_id, file_name)"
                + " VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING")) {
      for (MediaRefs.Ref r : refs) {
        ps.setLong(1, r.conversationId());
        ps.setLong(2, r.messageId());
        ps.setLong(3, r.mediaId());
        if (r.fileName() == null) {
          ps.setNull(4, Types.VARCHAR);
        } else {
          ps.setString(4, r.fileName());
        }
        ps.addBatch();
      }
      ps.executeBatch();
    }
  }

  private static MediaRecord row(ResultSet rs) throws SQLException {
    return new MediaRecord(
        rs.getLong(1),
        rs.getLong(2),
        rs.getString(3),
        rs.getString(4),
        rs.getString(5),
        rs.getLong(6),
        rs.getString(7),
        rs.getLong(8),
        rs.getLong(9),
        rs.getLong(10));
  }
}
