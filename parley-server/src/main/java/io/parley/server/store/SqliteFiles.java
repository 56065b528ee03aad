package io.parley.server.store;

import java.io.IOException;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * Owner-only files for the embedded store, like the JWT key: the data directory is created 0700 and
 * the database file 0600 before SQLite opens it. SQLite gives its {@code -wal}, {@code -shm} and
 * {@code -journal} files the database file's mode, and any of them left wider by an older version
 * is narrowed to 0600 here. On a non-POSIX file system this does nothing.
 */
final class SqliteFiles {
  private static final String[] SIDECARS = {"", "-wal", "-shm", "-journal"};

  private SqliteFiles() {}

  static void prepare(Path dir, Path db) throws IOException {
    if (!Files.isDirectory(dir)) {
      try {
        Files.createDirectories(
            dir,
            PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
      } catch (UnsupportedOperationException e) {
        Files.createDirectories(dir);
      }
    }
    if (!Files.exists(db)) {
      try {
        Files.createFile(
            db, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
      } catch (FileAlreadyExistsException e) {
        // another process created it meanwhile: narrowed below
      } catch (UnsupportedOperationException e) {
        return; // non-POSIX: SQLite creates the file itself
      }
    }
    for (String suffix : SIDECARS) {
      Path f = db.resolveSibling(db.getFileName() + suffix);
      if (Files.exists(f)) {
        try {
          Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
        } catch (UnsupportedOperationException e) {
          return;
        }
      }
    }
  }
}
