package io.parley.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Api;
import io.parley.client.ParleyClient;
import io.parley.client.ParleyHttp;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * Online SQLite backup under traffic: a node started on the copy has every message acked before the
 * backup began (history and search), and the copy is consistent.
 */
class BackupRestoreIT {
  private static final String ADMIN = "admin-token-for-tests";
  private final HttpClient jdk = HttpClient.newHttpClient();

  @Test
  void aNodeStartedOnABackupHasEveryMessageAckedBeforeIt() throws Exception {
    Path restoreDir = Files.createTempDirectory("parley-restore-");
    List<String> ackedBefore = new ArrayList<>();
    JsonNode backup;
    String conv;
    TestUser bob;
    try (TestNode node = TestNode.start(Map.of("ops.admin_token", ADMIN))) {
      TestUser alice = node.user("alice");
      bob = node.user("bob");
      ParleyClient a = alice.connect();
      a.awaitSynced();
      conv = alice.http().createDirect(bob.id());
      for (int i = 0; i < 300; i++) {
        ackedBefore.add(
            a.sendText(conv, "before backup " + i).get(5, TimeUnit.SECONDS).messageId());
      }
      // traffic continues while the backup runs
      ConcurrentLinkedQueue<Frames.Ack> acks = new ConcurrentLinkedQueue<>();
      AtomicBoolean stop = new AtomicBoolean();
      CompletableFuture<Void> sender =
          CompletableFuture.runAsync(
              () -> {
                int i = 0;
                while (!stop.get()) {
                  try {
                    acks.add(a.sendText(conv, "during backup " + i++).get(5, TimeUnit.SECONDS));
                  } catch (Exception e) {
                    throw new IllegalStateException(e);
                  }
                }
              });
      org.awaitility.Awaitility.await().until(() -> acks.size() >= 20);
      // everything acked up to here must be in the copy
      List<Frames.Ack> snapshot = new ArrayList<>(acks);
      String url = node.baseUrl() + "/admin/backup";
      assertThat(post(url, null).statusCode()).isEqualTo(401);
      assertThat(post(url, "wrong").statusCode()).isEqualTo(401);
      HttpResponse<String> r = post(url, ADMIN);
      assertThat(r.statusCode()).as(r.body()).isEqualTo(200);
      backup = Json.MAPPER.readTree(r.body());
      org.awaitility.Awaitility.await().until(() -> acks.size() >= snapshot.size() + 20);
      stop.set(true);
      sender.get(10, TimeUnit.SECONDS);
      snapshot.forEach(ack -> ackedBefore.add(ack.messageId()));
      assertThat(ackedBefore).hasSizeGreaterThanOrEqualTo(320);
      assertThat(backup.get("bytes").asLong()).isPositive();
    }

    Path copy = Path.of(backup.get("file").asText());
    assertThat(copy).exists();
    Files.copy(copy, restoreDir.resolve("parley.db"));
    try (TestNode restored = TestNode.start(Map.of("store.data_dir", restoreDir.toString()))) {
      ParleyHttp http = restored.http();
      Api.Session s = http.login(bob.username(), "correct horse battery");
      ParleyHttp asBob = http.as(s);
      Set<String> there = new HashSet<>(allIds(asBob, conv));
      assertThat(there).containsAll(ackedBefore);
      // the search index came along
      HttpResponse<String> search =
          jdk.send(
              HttpRequest.newBuilder(
                      URI.create(restored.baseUrl() + "/v1/search?q=before%20backup%20299%20"))
                  .header("Authorization", "Bearer " + s.accessToken())
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(Json.MAPPER.readTree(search.body()).get("results")).hasSize(1);
    }
  }

  private static List<String> allIds(ParleyHttp http, String conv) {
    List<String> ids = new ArrayList<>();
    long after = 0;
    while (true) {
      Api.HistoryPage page = http.history(conv, null, after, 200);
      for (MessageView m : page.messages()) {
        ids.add(m.messageId());
        after = m.seq();
      }
      if (!page.hasMore()) {
        return ids;
      }
    }
  }

  private HttpResponse<String> post(String url, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(url)).POST(HttpRequest.BodyPublishers.noBody());
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return jdk.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
