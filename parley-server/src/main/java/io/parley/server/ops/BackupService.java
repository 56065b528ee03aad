package io.parley.server.ops;

import io.parley.server.api.ApiException;
import io.parley.server.store.Database;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Online backup of the embedded SQLite store into {@code ops.backup_dir}: a consistent copy taken
 * while the node serves traffic ({@link Database#backupSqliteTo}). A node started with {@code
 * store.data_dir} pointing at a directory holding the copy as {@code parley.db} (plus the {@code
 * jwt.key} of the original, to keep tokens valid) restores it. PostgreSQL deployments use {@code
 * pg_dump} instead (docs/operations.md).
 */
public final class BackupService {
  private static final DateTimeFormatter NAME =
      DateTimeFormatter.ofPattern("yyyyMMdd'T'HHmmss.SSS'Z'", java.util.Locale.ROOT)
          .withZone(ZoneOffset.UTC);

  private final Database db;
  private final Path dir;

  public BackupService(Database db, String dataDir, String backupDir) {
    this.db = db;
    Path d = Path.of(backupDir == null || backupDir.isEmpty() ? "backups" : backupDir);
    this.dir = d.isAbsolute() ? d : Path.of(dataDir == null ? "./data" : dataDir).resolve(d);
  }

  /** Takes a backup; returns {@code {file, bytes, duration_ms}}. One at a time. */
  public synchronized Map<String, Object> backup() {
    if (db.dialect() != Database.Dialect.SQLITE) {
      throw ApiException.invalid("online backup is for the SQLite store; use pg_dump");
    }
    long t0 = System.nanoTime();
    try {
      Files.createDirectories(dir);
      Path target = dir.resolve("parley-" + NAME.format(Instant.now()) + ".db");
      db.backupSqliteTo(target);
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("file", target.toAbsolutePath().toString());
      out.put("bytes", Files.size(target));
      out.put("duration_ms", (System.nanoTime() - t0) / 1_000_000);
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("backup failed", e);
    }
  }
}
