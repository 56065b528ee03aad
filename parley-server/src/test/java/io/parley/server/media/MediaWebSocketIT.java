package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * The media_id check of {@code send} frames, from the JDK's own WebSocket client: someone else's or
 * an unknown media id gets an {@code error} frame ({@code not_found}) and stores nothing; the
 * sender's own upload is acked.
 */
class MediaWebSocketIT {

  @Test
  void sendFramesMustReferenceOwnUploads() throws Exception {
    try (TestNode node = TestNode.start()) {
      MediaHttp http = new MediaHttp(node.baseUrl());
      TestUser alice = node.user("alice");
      TestUser bob = node.user("bob");
      String conv = alice.http().createDirect(bob.id());
      String bobs =
          http.upload(
                  bob.session().accessToken(),
                  "media",
                  "image/png",
                  MediaHttp.image("png", 9, 9, 8))
              .json()
              .path("media_id")
              .asText();
      String mine =
          http.upload(
                  alice.session().accessToken(),
                  "media",
                  "image/png",
                  MediaHttp.image("png", 9, 9, 9))
              .json()
              .path("media_id")
              .asText();

      LinkedBlockingQueue<JsonNode> frames = new LinkedBlockingQueue<>();
      WebSocket ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create(
                      "ws://127.0.0.1:"
                          + node.node().port()
                          + "/v1/ws?access_token="
                          + alice.session().accessToken()),
                  new WebSocket.Listener() {
                    final StringBuilder text = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                      text.append(data);
                      if (last) {
                        frames.add(Json.read(text.toString(), JsonNode.class));
                        text.setLength(0);
                      }
                      w.request(1);
                      return null;
                    }
                  })
              .get(10, TimeUnit.SECONDS);
      try {
        assertThat(next(frames, "hello")).isNotNull();
        ws.sendText(send("w1", conv, bobs), true).get(5, TimeUnit.SECONDS);
        JsonNode err = next(frames, "error");
        assertThat(err.path("code").asText()).isEqualTo("not_found");
        assertThat(err.path("client_msg_id").asText()).isEqualTo("w1");
        ws.sendText(send("w2", conv, "99999999"), true).get(5, TimeUnit.SECONDS);
        assertThat(next(frames, "error").path("client_msg_id").asText()).isEqualTo("w2");
        ws.sendText(send("w3", conv, mine), true).get(5, TimeUnit.SECONDS);
        JsonNode ack = next(frames, "ack");
        assertThat(ack.path("client_msg_id").asText()).isEqualTo("w3");
        assertThat(ack.path("seq").asLong()).as("the rejected sends used no seq").isEqualTo(1);
        MediaService media = node.node().wiring().media().service();
        assertThat(media.store().references(Long.parseLong(bobs))).isEmpty();
        assertThat(media.store().references(Long.parseLong(mine))).hasSize(1);
      } finally {
        ws.abort();
      }
    }
  }

  private static String send(String clientMsgId, String conv, String mediaId) {
    return "{\"type\":\"send\",\"client_msg_id\":\""
        + clientMsgId
        + "\",\"conversation_id\":\""
        + conv
        + "\",\"body\":{\"kind\":\"media\",\"media_id\":\""
        + mediaId
        + "\"}}";
  }

  /** The next frame of {@code type}, skipping others (presence, receipts, message echoes). */
  private static JsonNode next(LinkedBlockingQueue<JsonNode> frames, String type)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (System.nanoTime() < deadline) {
      JsonNode f = frames.poll(100, TimeUnit.MILLISECONDS);
      if (f != null && f.path("type").asText().equals(type)) {
        return f;
      }
    }
    throw new AssertionError("no " + type + " frame within 10 s");
  }
}
