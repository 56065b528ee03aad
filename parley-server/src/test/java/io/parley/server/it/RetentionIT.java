package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Api;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.messaging.NewMessage;
import io.parley.server.retention.RetentionJob;
import io.parley.server.store.Stores;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Retention on a real node: a 50,000-message purge runs while a send is acked; history, search and
 * the conversation list no longer show purged messages; the settings API with its permissions.
 */
class RetentionIT {
  private static final long DAY = 86_400_000L;
  private static final int OLD = 50_000;
  private static TestNode node;
  private final HttpClient jdk = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    // no schedule: the test runs the node's job itself, to know when it is in progress
    node =
        TestNode.start(
            Map.of(
                "retention.days", "7",
                "retention.interval_ms", "0",
                "retention.batch_size", "500",
                "retention.batch_pause_ms", "5"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  @Test
  void bigPurgeDoesNotStallSendsAndPurgedMessagesDisappearEverywhere() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser carol = node.user("carol");
    // made through the store so that nothing newer precedes the old messages (seq and ts grow
    // together in real traffic; the purge stops at the first unexpired message)
    Stores stores = node.node().wiring().stores();
    long groupId = 8_000_000_000L + System.nanoTime() % 1_000_000;
    stores
        .conversations()
        .createGroup(
            groupId,
            "archive",
            Long.parseLong(alice.id()),
            List.of(Long.parseLong(carol.id())),
            System.currentTimeMillis());
    String group = Long.toString(groupId);
    long old = System.currentTimeMillis() - 10 * DAY;
    for (int b = 0; b < OLD / 1000; b++) {
      List<NewMessage> batch = new ArrayList<>();
      for (int i = 0; i < 1000; i++) {
        long id = 9_000_000_000L + b * 1000L + i;
        batch.add(
            new NewMessage(
                id,
                groupId,
                Long.parseLong(alice.id()),
                Long.parseLong(alice.session().deviceId()),
                "old-" + id,
                old + b * 1000L + i,
                Json.write(Map.of("kind", "text", "text", "ancient filler " + i))));
      }
      stores.messages().append(batch);
    }
    ParleyClient a = alice.connect();
    a.awaitSynced();
    Frames.Ack fresh = a.sendText(group, "fresh filler").get(5, TimeUnit.SECONDS);
    assertThat(fresh.seq()).isEqualTo(OLD + 1);

    RetentionJob job = node.node().wiring().retention().job();
    CompletableFuture<Long> purge =
        CompletableFuture.supplyAsync(
            () -> {
              try {
                return job.runOnce();
              } catch (InterruptedException e) {
                throw new IllegalStateException(e);
              }
            });
    await().atMost(Duration.ofSeconds(30)).until(() -> job.purgedTotal() > 0);
    long sentAt = System.nanoTime();
    Frames.Ack ack = a.sendTo(bob.id(), Bodies.text("during the purge")).get(5, TimeUnit.SECONDS);
    long ackMs = (System.nanoTime() - sentAt) / 1_000_000;
    long purgedAtAck = job.purgedTotal();
    assertThat(purgedAtAck).as("the purge was still running when the ack came").isLessThan(OLD);
    assertThat(ackMs).as("ack latency during the purge").isLessThan(1000);
    assertThat(purge.get(60, TimeUnit.SECONDS)).isEqualTo(OLD);
    assertThat(ack.seq()).isEqualTo(1);

    // history, search and the conversation list no longer show the purged messages
    assertThat(carol.http().history(group, null, null, 200).messages())
        .extracting(MessageView::text)
        .containsExactly("fresh filler");
    JsonNode hits = get(carol, "/v1/search?q=filler&limit=100", 200).get("results");
    assertThat(hits).hasSize(1);
    assertThat(hits.get(0).get("message").get("body").get("text").asText())
        .isEqualTo("fresh filler");
    Api.ConversationSummary summary =
        carol.http().listConversations().stream()
            .filter(c -> c.conversationId().equals(group))
            .findFirst()
            .orElseThrow();
    assertThat(summary.lastMessage().text()).isEqualTo("fresh filler");
    assertThat(summary.unreadCount()).isEqualTo(1);
    // the next message continues the seq (never reused)
    assertThat(a.sendText(group, "next").get(5, TimeUnit.SECONDS).seq()).isEqualTo(OLD + 2);
  }

  @Test
  void membersSetRetentionWithPermissions() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser carol = node.user("carol");
    String direct = alice.http().createDirect(bob.id());
    String group = alice.http().createGroup("g", List.of(carol.id())).conversationId();

    // a direct conversation: either member
    JsonNode set =
        send(
            bob,
            "PUT",
            "/v1/conversations/" + direct + "/retention",
            "{\"retention_days\":3}",
            200);
    assertThat(set.get("retention_days").asInt()).isEqualTo(3);
    assertThat(set.get("effective_retention_days").asInt()).isEqualTo(3);
    assertThat(
            get(alice, "/v1/conversations/" + direct + "/retention", 200)
                .get("retention_days")
                .asInt())
        .isEqualTo(3);
    assertThat(alice.http().history(direct, null, null, 10).messages())
        .extracting(MessageView::kind)
        .containsExactly("system");
    // deployment retention (7) caps a longer one
    assertThat(
            send(
                    alice,
                    "PUT",
                    "/v1/conversations/" + direct + "/retention",
                    "{\"retention_days\":30}",
                    200)
                .get("effective_retention_days")
                .asInt())
        .isEqualTo(7);

    // a group: owners and admins only, through PATCH /v1/groups/{id}
    assertThat(
            errorCode(send(carol, "PATCH", "/v1/groups/" + group, "{\"retention_days\":1}", 403)))
        .isEqualTo("forbidden");
    send(alice, "PATCH", "/v1/groups/" + group, "{\"retention_days\":2}", 200);
    assertThat(
            get(carol, "/v1/conversations/" + group + "/retention", 200)
                .get("retention_days")
                .asInt())
        .isEqualTo(2);

    // bad input changes nothing
    for (String bad :
        List.of(
            "{\"retention_days\":-1}",
            "{\"retention_days\":\"7\"}",
            "{\"retention_days\":1.5}",
            "{}",
            "{\"retention_days\":99999999}")) {
      assertThat(
              errorCode(send(alice, "PUT", "/v1/conversations/" + group + "/retention", bad, 400)))
          .as(bad)
          .isEqualTo("invalid_argument");
    }
    assertThat(
            errorCode(
                send(
                    alice,
                    "PATCH",
                    "/v1/groups/" + group,
                    "{\"name\":\"x\",\"retention_days\":-5}",
                    400)))
        .isEqualTo("invalid_argument");
    assertThat(alice.http().getGroup(group).name()).isEqualTo("g");
    assertThat(
            get(alice, "/v1/conversations/" + group + "/retention", 200)
                .get("retention_days")
                .asInt())
        .isEqualTo(2);
    TestUser eve = node.user("eve");
    assertThat(errorCode(get(eve, "/v1/conversations/" + group + "/retention", 403)))
        .isEqualTo("forbidden");
    assertThat(errorCode(get(eve, "/v1/conversations/123456789/retention", 404)))
        .isEqualTo("not_found");
  }

  private JsonNode get(TestUser u, String path, int status) throws Exception {
    return send(u, "GET", path, null, status);
  }

  private JsonNode send(TestUser u, String method, String path, String body, int status)
      throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(node.baseUrl() + path))
            .header("Authorization", "Bearer " + u.session().accessToken());
    if (body == null) {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    } else {
      b.header("Content-Type", "application/json")
          .method(method, HttpRequest.BodyPublishers.ofString(body));
    }
    HttpResponse<String> r = jdk.send(b.build(), HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(method + " " + path + " " + r.body()).isEqualTo(status);
    return Json.MAPPER.readTree(r.body());
  }

  private static String errorCode(JsonNode body) {
    return body.get("error").get("code").asText();
  }
}
