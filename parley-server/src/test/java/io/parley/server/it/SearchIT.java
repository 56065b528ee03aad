package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode.TestUser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** {@code GET /v1/search} end to end, called with the JDK HTTP client. */
class SearchIT extends SharedNode {
  private final HttpClient jdk = HttpClient.newHttpClient();

  @Test
  void findsOwnMessagesRankedPagedAndNeverOthers() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser eve = node.user("eve");
    ParleyClient a = alice.connect();
    String ab =
        a.sendTo(bob.id(), Bodies.text("Meet at the Café <b>Zürich</b>"))
            .get(5, TimeUnit.SECONDS)
            .conversationId();
    for (int i = 0; i < 12; i++) {
      a.sendText(ab, "zurich note " + i).get(5, TimeUnit.SECONDS);
    }
    a.sendText(ab, "unrelated").get(5, TimeUnit.SECONDS);
    String ae = eve.http().createDirect(alice.id());
    eve.connect().sendText(ae, "eve says zurich too").get(5, TimeUnit.SECONDS);

    // bob sees the 13 zurich messages of his conversation, none of eve's
    JsonNode first = search(bob, "q=" + enc("ZURICH") + "&limit=5", 200);
    assertThat(first.get("results")).hasSize(5);
    JsonNode top = first.get("results").get(0);
    assertThat(top.get("conversation_id").asText()).isEqualTo(ab);
    assertThat(top.get("message").get("conversation_id").asText()).isEqualTo(ab);
    assertThat(top.get("snippet").asText()).contains("<mark>");
    List<String> all = new ArrayList<>();
    first.get("results").forEach(r -> all.add(r.get("message").get("message_id").asText()));
    String cursor = first.get("next_cursor").asText();
    while (true) {
      JsonNode page = search(bob, "q=zurich&limit=5&cursor=" + enc(cursor), 200);
      page.get("results").forEach(r -> all.add(r.get("message").get("message_id").asText()));
      if (page.get("next_cursor").isNull()) {
        break;
      }
      cursor = page.get("next_cursor").asText();
    }
    assertThat(all).hasSize(13).doesNotHaveDuplicates();

    // the café message: accents folded, snippet escaped
    JsonNode cafe = search(bob, "q=" + enc("cafe zur"), 200).get("results");
    assertThat(cafe).hasSize(1);
    assertThat(cafe.get(0).get("message").get("body").get("text").asText())
        .isEqualTo("Meet at the Café <b>Zürich</b>");
    assertThat(cafe.get(0).get("snippet").asText()).doesNotContain("<b>");

    // alice sees both conversations; a filter narrows to one
    assertThat(search(alice, "q=zurich&limit=100", 200).get("results")).hasSize(14);
    assertThat(search(alice, "q=zurich&limit=100&conversation_id=" + ae, 200).get("results"))
        .hasSize(1);
    // eve cannot search bob's conversation
    assertThat(errorCode(search(eve, "q=zurich&conversation_id=" + ab, 403)))
        .isEqualTo("forbidden");
    assertThat(search(eve, "q=zurich", 200).get("results")).hasSize(1);
  }

  @Test
  void searchFollowsHistoryVisibility() throws Exception {
    TestUser owner = node.user("owner");
    TestUser late = node.user("late");
    TestUser gone = node.user("gone");
    String g = owner.http().createGroup("wombats", List.of(gone.id())).conversationId();
    ParleyClient o = owner.connect();
    o.sendText(g, "wombat before late joined").get(5, TimeUnit.SECONDS);
    owner.http().addMembers(g, List.of(late.id()));
    o.sendText(g, "wombat after late joined").get(5, TimeUnit.SECONDS);
    owner.http().removeMember(g, gone.id());
    o.sendText(g, "wombat while gone was out").get(5, TimeUnit.SECONDS);
    owner.http().addMembers(g, List.of(gone.id()));
    o.sendText(g, "wombat after gone came back").get(5, TimeUnit.SECONDS);

    assertThat(texts(search(owner, "q=wombat&limit=100", 200))).hasSize(4);
    // a member added later does not find what was sent before it joined
    assertThat(texts(search(late, "q=wombat&limit=100", 200)))
        .containsExactlyInAnyOrder(
            "wombat after late joined", "wombat while gone was out", "wombat after gone came back");
    // a removed-then-re-added member never finds what was sent while it was out
    assertThat(texts(search(gone, "q=wombat&limit=100", 200)))
        .containsExactlyInAnyOrder(
            "wombat before late joined", "wombat after late joined", "wombat after gone came back");
    // once removed, nothing of the group at all
    owner.http().removeMember(g, late.id());
    assertThat(texts(search(late, "q=wombat&limit=100", 200))).isEmpty();
  }

  private static List<String> texts(JsonNode page) {
    List<String> out = new ArrayList<>();
    page.get("results").forEach(r -> out.add(r.get("message").get("body").get("text").asText()));
    return out;
  }

  @Test
  void badRequestsGetPreciseErrors() throws Exception {
    TestUser u = node.user("searcher");
    assertThat(errorCode(search(u, "", 400))).isEqualTo("invalid_argument");
    assertThat(errorCode(search(u, "q=" + enc("!!! ***"), 400))).isEqualTo("invalid_argument");
    assertThat(errorCode(search(u, "q=x&limit=0", 400))).isEqualTo("invalid_argument");
    assertThat(errorCode(search(u, "q=x&limit=101", 400))).isEqualTo("invalid_argument");
    assertThat(errorCode(search(u, "q=x&limit=ten", 400))).isEqualTo("invalid_argument");
    assertThat(errorCode(search(u, "q=x&cursor=garbage", 400))).isEqualTo("invalid_argument");
    assertThat(errorCode(search(u, "q=x&conversation_id=abc", 400))).isEqualTo("invalid_argument");
    assertThat(errorCode(search(u, "q=x&conversation_id=123456", 404))).isEqualTo("not_found");
    assertThat(errorCode(search(u, "q=" + "a".repeat(300), 400))).isEqualTo("invalid_argument");
    HttpResponse<String> anon =
        jdk.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/search?q=x")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(anon.statusCode()).isEqualTo(401);
    JsonNode empty = search(u, "q=nothing", 200);
    assertThat(empty.get("results")).isEmpty();
    assertThat(empty.get("next_cursor").isNull()).isTrue();
  }

  private JsonNode search(TestUser u, String query, int status) throws Exception {
    HttpResponse<String> r =
        jdk.send(
            HttpRequest.newBuilder(URI.create(node.baseUrl() + "/v1/search?" + query))
                .header("Authorization", "Bearer " + u.session().accessToken())
                .build(),
            HttpResponse.BodyHandlers.ofString());
    assertThat(r.statusCode()).as(r.body()).isEqualTo(status);
    return Json.MAPPER.readTree(r.body());
  }

  private static String errorCode(JsonNode body) {
    return body.get("error").get("code").asText();
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
