package io.parley.server.ops;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Api;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.WebSocket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * With every logger at DEBUG and JSON output, real traffic (sign-up, login, refresh, WebSocket with
 * a query-string token, messages, search) logs no message text, password or token, and log lines
 * carry request and connection ids.
 */
class LogPrivacyIT {
  private static final String PASSWORD = "correct horse battery";

  @Test
  void noContentOrSecretsInDebugLogs() throws Exception {
    LoggerContext ctx = (LoggerContext) LoggerFactory.getILoggerFactory();
    Logger root = ctx.getLogger(Logger.ROOT_LOGGER_NAME);
    Level before = root.getLevel();
    List<String> lines = new ArrayList<>();
    JsonLogEncoder encoder = new JsonLogEncoder();
    encoder.setContext(ctx);
    encoder.start();
    AppenderBase<ILoggingEvent> capture =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent e) {
            String line = new String(encoder.encode(e), StandardCharsets.UTF_8);
            synchronized (lines) {
              lines.add(line);
            }
          }
        };
    capture.setContext(ctx);
    capture.start();
    root.addAppender(capture);
    List<String> secrets = new ArrayList<>();
    try (TestNode node = TestNode.start(Map.of("log.format", "json"))) {
      root.setLevel(Level.DEBUG);
      for (String quiet : new String[] {"com.zaxxer.hikari", "org.flywaydb"}) {
        ctx.getLogger(quiet).setLevel(Level.DEBUG);
      }
      TestUser alice = node.user("alice");
      TestUser bob = node.user("bob");
      secrets.add(PASSWORD);
      secrets.add(alice.session().accessToken());
      secrets.add(alice.session().refreshToken());
      secrets.add(bob.session().accessToken());
      Api.Tokens refreshed = alice.http().refresh(alice.session().refreshToken());
      secrets.add(refreshed.accessToken());
      secrets.add(refreshed.refreshToken());

      ParleyClient a = alice.connect();
      a.awaitSynced();
      String text = "zanzibar-" + System.nanoTime();
      secrets.add(text);
      String conv = a.sendTo(bob.id(), Bodies.text(text)).get(5, TimeUnit.SECONDS).conversationId();
      String caption = "quokka-" + System.nanoTime();
      secrets.add(caption);
      a.sendText(conv, caption).get(5, TimeUnit.SECONDS);

      // a client we did not write: JDK WebSocket with the token in the query string
      CompletableFuture<String> got = new CompletableFuture<>();
      WebSocket ws =
          HttpClient.newHttpClient()
              .newWebSocketBuilder()
              .buildAsync(
                  URI.create(
                      node.baseUrl().replace("http", "ws")
                          + "/v1/ws?access_token="
                          + bob.session().accessToken()),
                  new WebSocket.Listener() {
                    private final StringBuilder sb = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket w, CharSequence data, boolean last) {
                      sb.append(data);
                      if (last) {
                        if (sb.toString().contains(caption)) {
                          got.complete(sb.toString());
                        }
                        sb.setLength(0);
                      }
                      w.request(1);
                      return null;
                    }
                  })
              .get(5, TimeUnit.SECONDS);
      got.get(10, TimeUnit.SECONDS);
      String bobText = "wombat-" + System.nanoTime();
      secrets.add(bobText);
      ws.sendText(
              Json.write(
                  Map.of(
                      "type",
                      "send",
                      "client_msg_id",
                      "jdk-1",
                      "conversation_id",
                      conv,
                      "body",
                      Map.of("kind", "text", "text", bobText))),
              true)
          .get(5, TimeUnit.SECONDS);
      ws.sendText("{\"type\":\"send\",\"body\":\"" + bobText + "-bad\"}", true);
      a.awaitMessages(conv, 1, Duration.ofSeconds(5));

      HttpResponse<String> search =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(
                          URI.create(
                              node.baseUrl()
                                  + "/v1/search?q="
                                  + URLEncoder.encode(text, StandardCharsets.UTF_8)))
                      .header("Authorization", "Bearer " + bob.session().accessToken())
                      .header("X-Request-Id", "privacy-check-1")
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertThat(search.statusCode()).isEqualTo(200);
      ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
    } finally {
      root.setLevel(before);
      ctx.getLogger("com.zaxxer.hikari").setLevel(Level.WARN);
      ctx.getLogger("org.flywaydb").setLevel(Level.WARN);
      root.detachAppender(capture);
    }
    List<String> all;
    synchronized (lines) {
      all = new ArrayList<>(lines);
    }
    assertThat(all).hasSizeGreaterThan(20);
    for (String line : all) {
      JsonNode json = Json.MAPPER.readTree(line);
      assertThat(json.has("ts") && json.has("level") && json.has("msg")).as(line).isTrue();
      for (String secret : secrets) {
        assertThat(line).as("log line leaks a secret").doesNotContain(secret);
      }
    }
    assertThat(all).anyMatch(l -> l.contains("\"request_id\":\"privacy-check-1\""));
    assertThat(all).anyMatch(l -> l.contains("\"connection_id\":"));
  }
}
