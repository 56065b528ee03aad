package io.parley.server.store;

import io.parley.server.ops.StartupPhases;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.JarURLConnection;
import java.net.URISyntaxException;
import java.net.URL;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import java.util.ArrayList;
import java.util.Enumeration;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.flywaydb.core.Flyway;

/**
 * Schema migrations of a dialect ({@code db/migration/<folder>}, Flyway's {@code V<version>__*.sql}
 * files). Flyway runs when the database lacks any of them (a new node, an upgrade). When the schema
 * history already records every versioned migration on the classpath as applied successfully (a
 * restart), Flyway is not started at all: its set-up, classpath scan and validation cost more than
 * the rest of opening the store. Skipped on restart means Flyway's checksum validation of applied
 * scripts only runs when there is something to migrate (the scripts of a release never change). A
 * new, empty SQLite database gets its schema and Flyway's history without Flyway ({@link
 * NewSqliteSchema}); Flyway takes every later upgrade.
 */
final class Migrations {
  private static final String HISTORY = "flyway_schema_history";

  private Migrations() {}

  /** Brings the schema up to date; times {@code migrations} (or {@code migrations-check}). */
  static void migrate(DataSource ds, String folder, StartupPhases t) {
    String location = "db/migration/" + folder;
    // the classpath is listed once (a scan of the jar's entries) for both steps below
    Check check =
        t.time(
            "migrations-check",
            () -> {
              List<String> f = scriptFiles(location);
              return new Check(f, isCurrent(ds, versions(f)));
            });
    if (check.current()) {
      return;
    }
    List<String> files = check.files();
    if (folder.equals("sqlite")
        && t.time(
            "migrations-new-schema", () -> NewSqliteSchema.createIfEmpty(ds, location, files))) {
      return;
    }
    t.run(
        "migrations",
        () ->
            Flyway.configure().dataSource(ds).locations("classpath:" + location).load().migrate());
  }

  private record Check(List<String> files, boolean current) {}

  /** True if every versioned script under {@code location} is recorded as applied. */
  static boolean isCurrent(DataSource ds, String location) {
    return isCurrent(ds, available(location));
  }

  private static boolean isCurrent(DataSource ds, Set<String> available) {
    if (available.isEmpty() || available.contains(null)) {
      return false; // nothing found, or a script that is not V<version>__ (repeatable): Flyway
    }
    Set<String> applied = applied(ds);
    return applied != null && applied.containsAll(available);
  }

  /**
   * Versions of the {@code V<version>__*.sql} scripts under {@code location} on the classpath
   * (directories and jars); {@code null} in the set for any other {@code .sql} file.
   */
  static Set<String> available(String location) {
    return versions(scriptFiles(location));
  }

  private static Set<String> versions(List<String> files) {
    Set<String> versions = new HashSet<>();
    for (String file : files) {
      if (file == null) {
        versions.add(null);
      } else {
        add(versions, file);
      }
    }
    return versions;
  }

  /**
   * The names of the {@code .sql} files directly under {@code location} on the classpath
   * (directories and jars); a {@code null} entry for a classpath entry of another kind.
   */
  static List<String> scriptFiles(String location) {
    List<String> files = new ArrayList<>();
    try {
      Enumeration<URL> roots = Migrations.class.getClassLoader().getResources(location);
      while (roots.hasMoreElements()) {
        URL root = roots.nextElement();
        if (root.getProtocol().equals("jar")) {
          JarFile jar = ((JarURLConnection) root.openConnection()).getJarFile();
          String prefix = location + "/";
          for (Enumeration<JarEntry> es = jar.entries(); es.hasMoreElements(); ) {
            String name = es.nextElement().getName();
            if (name.startsWith(prefix)
                && name.endsWith(".sql")
                && name.indexOf('/', prefix.length()) < 0) {
              files.add(name.substring(prefix.length()));
            }
          }
        } else if (root.getProtocol().equals("file")) {
          try (Stream<Path> list = Files.list(Path.of(root.toURI()))) {
            list.map(f -> f.getFileName().toString())
                .filter(n -> n.endsWith(".sql"))
                .forEach(files::add);
          }
        } else {
          files.add(null); // unknown kind of classpath entry: let Flyway look
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot list " + location, e);
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot list " + location, e);
    }
    return files;
  }

  private static void add(Set<String> versions, String file) {
    int sep = file.indexOf("__");
    if (file.startsWith("V") && sep > 1) {
      versions.add(NewSqliteSchema.Script.of(file).version());
    } else {
      versions.add(null);
    }
  }

  /**
   * Versions recorded as applied, or null if there is no history yet or any entry failed (Flyway
   * decides then).
   */
  private static Set<String> applied(DataSource ds) {
    Set<String> versions = new HashSet<>();
    try (Connection c = ds.getConnection();
        Statement s = c.createStatement();
        ResultSet rs = s.executeQuery("SELECT version, success FROM " + HISTORY)) {
      while (rs.next()) {
        if (!rs.getBoolean(2)) {
          return null;
        }
        if (rs.getString(1) != null) {
          versions.add(rs.getString(1));
        }
      }
      return versions;
    } catch (SQLException e) {
      return null; // no history table: a new database
    }
  }
}
