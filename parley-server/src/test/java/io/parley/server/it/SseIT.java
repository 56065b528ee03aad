package io.parley.server.it;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.JdkClient.Res;
import io.parley.server.it.SseStream.Event;
import io.parley.server.it.TestNode.TestUser;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The SSE fallback transport (F19) from clients we did not write: the JDK {@link
 * java.net.http.HttpClient} streaming {@code /v1/events} and a raw socket; sending, receipts,
 * typing and presence over plain REST.
 */
class SseIT {
  static TestNode node;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("websocket.heartbeat_ms", "600"));
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static String base() {
    return node.baseUrl();
  }

  private static long send(TestUser from, String conv, String text) {
    return send(base(), from, conv, text);
  }

  private static long send(String base, TestUser from, String conv, String text) {
    Res r =
        JdkClient.call(
            base,
            "POST",
            "/v1/conversations/" + conv + "/messages",
            from.session().accessToken(),
            "{\"client_msg_id\":\""
                + UUID.randomUUID()
                + "\",\"body\":{\"kind\":\"text\",\"text\":\""
                + text
                + "\"}}");
    assertThat(r.status()).isEqualTo(201);
    return r.body().path("message").path("seq").asLong();
  }

  private static Res post(TestUser u, String path, String body) {
    return JdkClient.call(base(), "POST", path, u.session().accessToken(), body);
  }

  private static List<Long> seqs(SseStream s, String conv) {
    List<Long> out = new ArrayList<>();
    for (Event e : s.ofType("message")) {
      if (e.frame().path("message").path("conversation_id").asText().equals(conv)) {
        out.add(e.frame().path("message").path("seq").asLong());
      }
    }
    return out;
  }

  private static List<Long> range(long from, long to) {
    List<Long> out = new ArrayList<>();
    for (long i = from; i <= to; i++) {
      out.add(i);
    }
    return out;
  }

  @Test
  void helloLiveMessagesReceiptsTypingPresenceAndHeartbeats() {
    TestUser alice = node.user("ssea");
    TestUser bob = node.user("sseb");
    String conv = alice.http().createDirect(bob.id());
    try (SseStream a = SseStream.open(base(), alice.session().accessToken(), null);
        SseStream b = SseStream.open(base(), bob.session().accessToken(), null)) {
      assertThat(b.status).isEqualTo(200);
      Event hello = b.await("hello", f -> true);
      assertThat(hello.frame().path("user_id").asText()).isEqualTo(bob.id());
      assertThat(hello.frame().path("heartbeat_ms").asLong()).isEqualTo(600);
      b.await("synced", f -> true);
      a.await("synced", f -> true);

      long seq = send(alice, conv, "hi over sse");
      Event m = b.await("message", f -> f.path("message").path("seq").asLong() == seq);
      assertThat(m.frame().path("message").path("body").path("text").asText())
          .isEqualTo("hi over sse");
      assertThat(m.id()).isEqualTo(conv + ":" + seq);

      // delivered and read from the SSE-only client over REST: alice's stream gets the ticks
      assertThat(
              post(bob, "/v1/conversations/" + conv + "/delivered", "{\"seq\":" + seq + "}")
                  .status())
          .isEqualTo(204);
      a.await(
          "receipt",
          f -> f.path("status").asText().equals("delivered") && f.path("seq").asLong() == seq);
      assertThat(post(bob, "/v1/conversations/" + conv + "/read", "{\"seq\":" + seq + "}").status())
          .isEqualTo(204);
      a.await("receipt", f -> f.path("status").asText().equals("read"));

      // history over REST
      Res h =
          JdkClient.call(
              base(),
              "GET",
              "/v1/conversations/" + conv + "/messages",
              bob.session().accessToken(),
              null);
      assertThat(h.status()).isEqualTo(200);
      assertThat(h.body().toString()).contains("hi over sse");

      // typing
      assertThat(
              post(bob, "/v1/conversations/" + conv + "/typing", "{\"state\":\"start\"}").status())
          .isEqualTo(204);
      a.await(
          "typing",
          f ->
              f.path("user_id").asText().equals(bob.id())
                  && f.path("state").asText().equals("start"));
      assertThat(
              post(bob, "/v1/conversations/" + conv + "/typing", "{\"state\":\"maybe\"}").status())
          .isEqualTo(400);

      // presence subscription bound to the device's stream
      assertThat(
              post(alice, "/v1/events/presence/subscribe", "{\"user_ids\":[\"" + bob.id() + "\"]}")
                  .status())
          .isEqualTo(204);
      a.await(
          "presence",
          f -> f.path("user_id").asText().equals(bob.id()) && f.path("online").asBoolean());

      // heartbeats are comments
      Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> b.comments().contains("hb"));
      assertThat(b.ended()).isFalse();
    }
    // alice's stream is gone: presence subscription has nothing to bind to
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(() -> node.node().wiring().connections().of(Long.parseLong(alice.id())).length == 0);
    assertThat(
            post(alice, "/v1/events/presence/subscribe", "{\"user_ids\":[\"" + bob.id() + "\"]}")
                .status())
        .isEqualTo(409);
  }

  @Test
  void badTokenAndBadLastEventId() {
    TestUser u = node.user("ssebad");
    try (SseStream s = SseStream.open(base(), "not-a-token", null)) {
      assertThat(s.status).isEqualTo(401);
    }
    try (SseStream s = SseStream.open(base(), null, null)) {
      assertThat(s.status).isEqualTo(401);
    }
    try (SseStream s = SseStream.open(base(), u.session().accessToken(), "12:x")) {
      assertThat(s.status).isEqualTo(400);
    }
    assertThat(post(u, "/v1/conversations/1/delivered", "{\"seq\":\"a\"}").status()).isEqualTo(400);
  }

  @Test
  void resumeWithLastEventIdLosesNothingAndRepeatsNothing() {
    TestUser alice = node.user("sserA");
    TestUser bob = node.user("sserB");
    TestUser carol = node.user("sserC");
    String c1 = alice.http().createDirect(bob.id());
    String c2 = carol.http().createDirect(bob.id());
    String last;
    try (SseStream b = SseStream.open(base(), bob.session().accessToken(), null)) {
      b.await("synced", f -> true);
      for (int i = 1; i <= 5; i++) {
        send(alice, c1, "a" + i);
        send(carol, c2, "c" + i);
      }
      Awaitility.await().until(() -> seqs(b, c1).size() == 5 && seqs(b, c2).size() == 5);
      assertThat(seqs(b, c1)).isEqualTo(range(1, 5));
      last = b.lastEventId();
      assertThat(last).isEqualTo(c1 + ":5," + c2 + ":5");
    }
    // while away (bob never reported delivered: only the event id says what he has)
    for (int i = 6; i <= 9; i++) {
      send(alice, c1, "a" + i);
    }
    send(carol, c2, "c6");
    try (SseStream b = SseStream.open(base(), bob.session().accessToken(), last)) {
      b.await("synced", f -> true);
      for (int i = 10; i <= 12; i++) {
        send(alice, c1, "a" + i);
      }
      send(carol, c2, "c7");
      Awaitility.await().until(() -> seqs(b, c1).size() >= 7 && seqs(b, c2).size() >= 2);
      // a positive marker before checking that nothing else came
      long marker = send(alice, c1, "marker");
      b.await("message", f -> f.path("message").path("seq").asLong() == marker);
      assertThat(seqs(b, c1)).isEqualTo(range(6, 13));
      assertThat(seqs(b, c2)).isEqualTo(range(6, 7));
      // backlog first, then synced, then live
      List<String> types = b.events().stream().map(Event::type).toList();
      int synced = types.indexOf("synced");
      assertThat(types.subList(0, synced).stream().filter(t -> t.equals("message")).count())
          .isEqualTo(5);
      last = b.lastEventId();
      assertThat(last).isEqualTo(c1 + ":13," + c2 + ":7");
    }
    // bob reports delivered up to 13 in c1: a stream without Last-Event-ID starts from there
    assertThat(post(bob, "/v1/conversations/" + c1 + "/delivered", "{\"seq\":13}").status())
        .isEqualTo(204);
    send(alice, c1, "a14");
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .until(
            () ->
                node.node()
                        .wiring()
                        .stores()
                        .messages()
                        .devicePositions(Long.parseLong(bob.session().deviceId()))
                        .getOrDefault(Long.parseLong(c1), 0L)
                    == 13L);
    try (SseStream b = SseStream.open(base(), bob.session().accessToken(), last)) {
      b.await("synced", f -> true);
      assertThat(seqs(b, c1)).isEqualTo(List.of(14L));
      assertThat(seqs(b, c2)).isEmpty();
      // the stored position covers c1 up to 13: the ids only carry what is ahead of it
      assertThat(b.lastEventId()).isEqualTo(c1 + ":14," + c2 + ":7");
    }
  }

  @Test
  void revocationEndsTheStream() {
    TestUser bob = node.user("sserev");
    try (SseStream b = SseStream.open(base(), bob.session().accessToken(), null)) {
      b.await("synced", f -> true);
      assertThat(post(bob, "/v1/auth/logout", null).status()).isEqualTo(204);
      b.awaitEnd();
      assertThat(b.comments()).anyMatch(c -> c.startsWith("close 4401"));
    }
    try (SseStream b = SseStream.open(base(), bob.session().accessToken(), null)) {
      assertThat(b.status).isEqualTo(401);
    }
  }

  @Test
  void rawSocketSeesTheStreamFormat() throws Exception {
    TestUser bob = node.user("sseraw");
    try (Socket s = new Socket("127.0.0.1", node.node().port())) {
      s.setSoTimeout(10_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("GET /v1/events?access_token="
                  + bob.session().accessToken()
                  + " HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.flush();
      InputStream in = s.getInputStream();
      StringBuilder sb = new StringBuilder();
      byte[] buf = new byte[4096];
      while (!sb.toString().contains("\"type\":\"synced\"")) {
        int n = in.read(buf);
        assertThat(n).isPositive();
        sb.append(new String(buf, 0, n, StandardCharsets.UTF_8));
      }
      String text = sb.toString();
      assertThat(text).startsWith("HTTP/1.1 200");
      assertThat(text).containsIgnoringCase("content-type: text/event-stream");
      assertThat(text).contains("data: {\"type\":\"hello\"");
    }
  }

  @Test
  void nonReadingClientIsCutAsSlowConsumerAndResumesWithoutLoss() throws Exception {
    try (TestNode n = TestNode.start(Map.of("websocket.outbound_queue_bytes", "262144"))) {
      TestUser alice = n.user("sseslowa");
      TestUser bob = n.user("sseslowb");
      String conv = alice.http().createDirect(bob.id());
      String base = n.baseUrl();
      java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
      try (Socket s = new Socket()) {
        s.setReceiveBufferSize(4096);
        s.connect(new java.net.InetSocketAddress("127.0.0.1", n.node().port()));
        s.setSoTimeout(10_000);
        s.getOutputStream()
            .write(
                ("GET /v1/events HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + bob.session().accessToken()
                        + "\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
        InputStream in = s.getInputStream();
        StringBuilder seen = new StringBuilder();
        byte[] buf = new byte[4096];
        while (!seen.toString().contains("\"type\":\"synced\"")) {
          int r = in.read(buf);
          assertThat(r).isPositive();
          seen.append(new String(buf, 0, r, StandardCharsets.UTF_8));
        }
        for (int i = 1; i <= 3; i++) {
          send(base, alice, conv, "early" + i);
        }
        while (!seen.toString().contains("id: " + conv + ":3\n")) {
          int r = in.read(buf);
          assertThat(r).isPositive();
          seen.append(new String(buf, 0, r, StandardCharsets.UTF_8));
        }
        String last = conv + ":3";
        // bob stops reading; alice keeps sending until the server gives up on bob's stream
        String text = "y".repeat(8_000);
        int sent = 3;
        long deadline = System.nanoTime() + java.util.concurrent.TimeUnit.SECONDS.toNanos(90);
        while (n.node().wiring().connections().of(Long.parseLong(bob.id())).length > 0
            && sent < 6_000
            && System.nanoTime() < deadline) {
          List<java.util.concurrent.CompletableFuture<?>> batch = new ArrayList<>();
          for (int i = 0; i < 50; i++) {
            sent++;
            batch.add(
                http.sendAsync(
                    java.net.http.HttpRequest.newBuilder(
                            java.net.URI.create(base + "/v1/conversations/" + conv + "/messages"))
                        .header("Authorization", "Bearer " + alice.session().accessToken())
                        .header("Content-Type", "application/json")
                        .POST(
                            java.net.http.HttpRequest.BodyPublishers.ofString(
                                "{\"client_msg_id\":\""
                                    + UUID.randomUUID()
                                    + "\",\"body\":{\"kind\":\"text\",\"text\":\""
                                    + text
                                    + "\"}}"))
                        .build(),
                    java.net.http.HttpResponse.BodyHandlers.discarding()));
          }
          java.util.concurrent.CompletableFuture.allOf(
                  batch.toArray(java.util.concurrent.CompletableFuture[]::new))
              .get(60, java.util.concurrent.TimeUnit.SECONDS);
        }
        int total = sent;
        Awaitility.await()
            .alias("server cut bob's stream after " + total + " messages")
            .atMost(Duration.ofSeconds(20))
            .until(() -> n.node().wiring().connections().of(Long.parseLong(bob.id())).length == 0);
        assertThat(total).isLessThan(6_000);

        // bob resumes from the last event he read: every later message once, in order
        try (SseStream b = SseStream.open(base, bob.session().accessToken(), last)) {
          b.await("synced", f -> true);
          Awaitility.await()
              .atMost(Duration.ofSeconds(60))
              .until(() -> seqs(b, conv).size() >= total - 3);
          long marker = send(base, alice, conv, "marker");
          b.await("message", f -> f.path("message").path("seq").asLong() == marker);
          assertThat(seqs(b, conv)).isEqualTo(range(4, marker));
        }
      }
    }
  }

  @Test
  void drainSendsReconnectAndEndsTheStream() {
    TestNode n = TestNode.start(Map.of());
    try {
      TestUser bob = n.user("ssedrain");
      SseStream b = SseStream.open(n.baseUrl(), bob.session().accessToken(), null);
      b.await("synced", f -> true);
      new Thread(n::close).start();
      b.await("reconnect", f -> f.path("retry_after_ms").asLong() > 0);
      b.awaitEnd();
      assertThat(b.comments()).anyMatch(c -> c.startsWith("close 1012"));
    } finally {
      n.close();
    }
  }
}
