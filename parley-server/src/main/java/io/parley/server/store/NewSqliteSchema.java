package io.parley.server.store;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.StringReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.zip.CRC32;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Creates the schema of a new, empty SQLite database without starting Flyway: the versioned scripts
 * run in version order in one transaction, and {@code flyway_schema_history} gets exactly the table
 * and rows Flyway would have written (same DDL, descriptions and CRC32 checksums), so Flyway
 * validates and upgrades the database later as if it had made it ({@code NewSqliteSchemaTest}
 * compares both byte for byte).
 *
 * <p>Why: on a new node Flyway's set-up, classpath scan and parser, all run cold once, took ~280 ms
 * of the ~1.15 s to ready, on the critical path; running the same nine scripts takes a tenth of
 * that. Anything unexpected (a database that is not empty, a script SQLite rejects) rolls back and
 * leaves the work to Flyway.
 */
final class NewSqliteSchema {
  private static final Logger log = LoggerFactory.getLogger(NewSqliteSchema.class);

  /** Flyway's SQLite history table, as Flyway 11 creates it. */
  static final String HISTORY_DDL =
      """
      CREATE TABLE "flyway_schema_history" (
          "installed_rank" INT NOT NULL PRIMARY KEY,
          "version" VARCHAR(50),
          "description" VARCHAR(200) NOT NULL,
          "type" VARCHAR(20) NOT NULL,
          "script" VARCHAR(1000) NOT NULL,
          "checksum" INT,
          "installed_by" VARCHAR(100) NOT NULL,
          "installed_on" TEXT NOT NULL DEFAULT (strftime('%Y-%m-%d %H:%M:%f','now')),
          "execution_time" INT NOT NULL,
          "success" BOOLEAN NOT NULL
      );
      CREATE INDEX "flyway_schema_history_s_idx" ON "flyway_schema_history" ("success");
      """;

  private static final String HISTORY_INSERT =
      "INSERT INTO flyway_schema_history (installed_rank, version, description, type, script,"
          + " checksum, installed_by, execution_time, success) VALUES (?, ?, ?, 'SQL', ?, ?, '', ?,"
          + " 1)";

  /** A versioned script: {@code V<version>__<description>.sql}. */
  record Script(String file, String version, String description) {
    static Script of(String file) {
      int sep = file.indexOf("__");
      return new Script(
          file,
          file.substring(1, sep).replace('_', '.'),
          file.substring(sep + 2, file.length() - ".sql".length()).replace('_', ' '));
    }
  }

  private NewSqliteSchema() {}

  /**
   * Creates the schema from the scripts under {@code location} if the database is empty; true if it
   * did, false (nothing changed) if the database is not empty or anything failed.
   */
  static boolean createIfEmpty(DataSource ds, String location) {
    return createIfEmpty(ds, location, Migrations.scriptFiles(location));
  }

  /** The same, with the files under {@code location} already listed ({@link Migrations}). */
  static boolean createIfEmpty(DataSource ds, String location, List<String> files) {
    if (files.isEmpty() || files.contains(null)) {
      return false;
    }
    List<Script> scripts = new ArrayList<>();
    for (String f : files) {
      if (!f.startsWith("V") || f.indexOf("__") < 2) {
        return false; // a repeatable or otherwise named script: Flyway's business
      }
      Script s = Script.of(f);
      if (!s.version().matches("\\d+(\\.\\d+)*")) {
        return false;
      }
      scripts.add(s);
    }
    scripts.sort(Comparator.comparing(Script::version, NewSqliteSchema::compareVersions));
    try (Connection c = ds.getConnection()) {
      c.setAutoCommit(false);
      try {
        if (!isEmpty(c)) {
          c.rollback();
          return false;
        }
        try (Statement st = c.createStatement()) {
          st.executeUpdate(HISTORY_DDL);
        }
        try (Statement st = c.createStatement();
            PreparedStatement history = c.prepareStatement(HISTORY_INSERT)) {
          int rank = 0;
          for (Script s : scripts) {
            String sql = read(location + "/" + s.file());
            long t0 = System.nanoTime();
            st.executeUpdate(sql);
            history.setInt(1, ++rank);
            history.setString(2, s.version());
            history.setString(3, s.description());
            history.setString(4, s.file());
            history.setInt(5, checksum(sql));
            history.setLong(6, (System.nanoTime() - t0) / 1_000_000);
            history.executeUpdate();
          }
        }
        c.commit();
        return true;
      } catch (SQLException | RuntimeException e) {
        c.rollback();
        log.warn("new schema without Flyway failed, Flyway takes over: {}", e.toString());
        return false;
      }
    } catch (SQLException e) {
      log.warn("new schema without Flyway failed, Flyway takes over: {}", e.toString());
      return false;
    }
  }

  private static boolean isEmpty(Connection c) throws SQLException {
    try (Statement st = c.createStatement();
        ResultSet rs = st.executeQuery("SELECT count(*) FROM sqlite_master")) {
      return rs.next() && rs.getInt(1) == 0;
    }
  }

  /** A script's text, UTF-8, without a byte order mark. */
  static String read(String resource) {
    try (InputStream in = NewSqliteSchema.class.getClassLoader().getResourceAsStream(resource)) {
      if (in == null) {
        throw new IllegalStateException("missing " + resource);
      }
      String text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      return text.startsWith("\uFEFF") ? text.substring(1) : text;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Flyway's checksum of a script: CRC32 over the UTF-8 bytes of each line, without breaks. */
  static int checksum(String sql) {
    CRC32 crc = new CRC32();
    try (BufferedReader r = new BufferedReader(new StringReader(sql))) {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        crc.update(line.getBytes(StandardCharsets.UTF_8));
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return (int) crc.getValue();
  }

  /** Compares dotted versions part by part as numbers ("2" before "11"). */
  static int compareVersions(String a, String b) {
    String[] x = a.split("\\.");
    String[] y = b.split("\\.");
    for (int i = 0; i < Math.max(x.length, y.length); i++) {
      long p = i < x.length ? Long.parseLong(x[i]) : 0;
      long q = i < y.length ? Long.parseLong(y[i]) : 0;
      if (p != q) {
        return Long.compare(p, q);
      }
    }
    return 0;
  }
}
