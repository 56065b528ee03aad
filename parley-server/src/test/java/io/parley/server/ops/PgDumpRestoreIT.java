package io.parley.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import io.parley.protocol.Json;
import io.parley.server.messaging.NewMessage;
import io.parley.server.messaging.StoredMessage;
import io.parley.server.search.SearchTerms;
import io.parley.server.search.SearchWiring;
import io.parley.server.store.Stores;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The PostgreSQL backup procedure of docs/operations.md: {@code pg_dump -Fc} of a live database,
 * {@code pg_restore} into an empty one, and the stores open on it (migrations up to date) with
 * every message and the search index. Runs when {@code pg_dump} and the local server are there.
 */
class PgDumpRestoreIT {

  @Test
  void dumpOfALiveDatabaseRestoresEverything() throws Exception {
    assumeTrue(Files.isExecutable(Path.of("/usr/bin/pg_dump")), "pg_dump not installed");
    try (TestDb src = TestDatabases.postgres();
        TestDb dst = TestDatabases.postgres()) {
      assumeTrue(src.config().postgresUrl().contains("127.0.0.1:5432"), "not the local server");
      List<StoredMessage> stored = new ArrayList<>();
      Path dump = Files.createTempFile("parley-", ".dump");
      try (Stores s = src.open()) {
        s.conversations().createGroup(700, "g", 1, List.of(2L), 0);
        for (int i = 0; i < 100; i++) {
          stored.add(
              s.messages()
                  .append(
                      List.of(
                          new NewMessage(
                              10_000 + i,
                              700,
                              1,
                              10,
                              "m" + i,
                              1_000 + i,
                              Json.write(Map.of("kind", "text", "text", "café number " + i)))))
                  .getFirst()
                  .message());
        }
        // online: the stores stay open during the dump
        run("pg_dump", "-h", "127.0.0.1", "-U", "postgres", "-Fc", "-f", dump.toString(), db(src));
      }
      run(
          "pg_restore",
          "-h",
          "127.0.0.1",
          "-U",
          "postgres",
          "--no-owner",
          "-d",
          db(dst),
          dump.toString());
      Files.delete(dump);
      try (Stores restored = dst.open()) {
        assertThat(restored.messages().range(700, 0, Long.MAX_VALUE, 200, false))
            .containsExactlyElementsOf(stored);
        assertThat(
                SearchWiring.index(restored.database())
                    .search(2, SearchTerms.parse("cafe number 42 "), null, null, 10)
                    .hits())
            .extracting(h -> h.message().clientMsgId())
            .containsExactly("m42");
      }
    }
  }

  private static String db(TestDb db) {
    String url = db.config().postgresUrl();
    String name = url.substring(url.lastIndexOf('/') + 1);
    int q = name.indexOf('?');
    return q < 0 ? name : name.substring(0, q);
  }

  private static void run(String... cmd) throws Exception {
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out =
        new String(p.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
    assertThat(p.waitFor(60, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as(String.join(" ", cmd) + "\n" + out).isZero();
  }
}
