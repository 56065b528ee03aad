package io.parley.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Frames;
import io.parley.protocol.MessageView;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** ParleyClient against a real local fake of the protocol ({@link FakeParleyServer}). */
class ParleyClientTest {
  private static final Duration WAIT = Duration.ofSeconds(10);

  private FakeParleyServer server;
  private final List<ParleyClient> clients = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = new FakeParleyServer(150);
  }

  @AfterEach
  void stop() throws Exception {
    clients.forEach(ParleyClient::close);
    server.close();
  }

  private ParleyClient connect(ClientOptions o) {
    ParleyClient c = ParleyClient.connect(o.vertx(server.vertx));
    clients.add(c);
    return c;
  }

  private ClientOptions options(Api.Session s) {
    return new ClientOptions(server.baseUrl(), s.accessToken());
  }

  @Test
  void helloHandshakeExposesIdsAndHeartbeatPings() throws Exception {
    Api.Session s = server.newSession("alice");
    ParleyClient c = connect(options(s));

    assertThat(c.userId()).isEqualTo(s.userId());
    assertThat(c.deviceId()).isEqualTo(s.deviceId());
    assertThat(c.nodeId()).isEqualTo("fake-1");
    assertThat(c.heartbeatMs()).isEqualTo(150);
    assertThat(c.isConnected()).isTrue();
    c.awaitSynced(WAIT);
    await().atMost(WAIT).until(() -> server.clientFrames("ping").size() >= 2);
    await().atMost(WAIT).until(() -> c.inbox().frames("pong").size() >= 2);
  }

  @Test
  void tokenInQueryParameterAuthenticates() {
    Api.Session s = server.newSession("bob");
    ParleyClient c = connect(options(s).tokenInQuery(true));
    assertThat(c.userId()).isEqualTo(s.userId());
  }

  @Test
  void badTokenFailsConnectWith4401() {
    ClientOptions o = new ClientOptions(server.baseUrl(), "nope").vertx(server.vertx);
    assertThatThrownBy(() -> ParleyClient.connect(o))
        .isInstanceOfSatisfying(
            ParleyClosedException.class, e -> assertThat(e.code()).isEqualTo(4401));
  }

  @Test
  void sendIsResentWithSameClientMsgIdUntilAcked() throws Exception {
    server.dropFirstAck = true;
    ParleyClient c = connect(options(server.newSession("carol")).ackTimeoutMs(200));

    Frames.Ack ack = c.sendText("conv-1", "hi").get(10, TimeUnit.SECONDS);

    List<JsonNode> sends = server.clientFrames("send");
    assertThat(sends).hasSizeGreaterThanOrEqualTo(2);
    assertThat(sends)
        .allSatisfy(f -> assertThat(f.path("client_msg_id").asText()).isEqualTo(ack.clientMsgId()));
    assertThat(ack.seq()).isEqualTo(1);
    assertThat(server.stored("conv-1")).isEqualTo(1);
  }

  @Test
  void sendToUserUsesToUserId() throws Exception {
    Api.Session a = server.newSession("dave");
    Api.Session b = server.newSession("erin");
    ParleyClient c = connect(options(a));
    Frames.Ack ack = c.sendTo(b.userId(), Bodies.text("yo")).get(10, TimeUnit.SECONDS);
    assertThat(ack.conversationId()).contains(a.userId()).contains(b.userId());
    assertThat(server.clientFrames("send").get(0).path("to_user_id").asText())
        .isEqualTo(b.userId());
  }

  @Test
  void redeliveredMessageIdSurfacesOnce() throws Exception {
    ParleyClient c = connect(options(server.newSession("frank")));
    List<MessageView> seen = new CopyOnWriteArrayList<>();
    c.addListener(
        new ParleyListener() {
          @Override
          public void onMessage(MessageView m) {
            seen.add(m);
          }
        });
    MessageView m = server.inject("conv-2", "someone", "once");
    server.redeliver(m);
    server.redeliver(m);
    MessageView other = server.inject("conv-2", "someone", "twice");

    await().atMost(WAIT).until(() -> c.inbox().duplicatesDropped() == 2 && c.received() == 2);
    assertThat(c.messages("conv-2"))
        .extracting(MessageView::messageId)
        .containsExactly(m.messageId(), other.messageId());
    assertThat(seen).hasSize(2);
  }

  @Test
  void deliveredIsBatchedToHighestSeqPerConversation() throws Exception {
    ParleyClient c = connect(options(server.newSession("gina")).deliveredDelayMs(300));
    c.awaitSynced(WAIT);
    for (int i = 0; i < 5; i++) {
      server.inject("conv-a", "x", "a" + i);
    }
    for (int i = 0; i < 3; i++) {
      server.inject("conv-b", "x", "b" + i);
    }
    c.awaitMessages("conv-a", 5, WAIT);
    c.awaitMessages("conv-b", 3, WAIT);
    await().atMost(WAIT).until(() -> server.clientFrames("delivered").size() >= 2);
    // positive marker: once the server has our ping, everything sent before it has arrived
    int pings = server.clientFrames("ping").size();
    c.ping();
    await().atMost(WAIT).until(() -> server.clientFrames("ping").size() > pings);
    List<JsonNode> delivered = server.clientFrames("delivered");
    assertThat(delivered).hasSize(2);
    assertThat(delivered)
        .extracting(f -> f.path("conversation_id").asText() + "@" + f.path("seq").asLong())
        .containsExactlyInAnyOrder("conv-a@5", "conv-b@3");
  }

  @Test
  void autoDeliveredCanBeTurnedOffAndMarkDeliveredIsExplicit() throws Exception {
    ParleyClient c = connect(options(server.newSession("hank")).autoDelivered(false));
    server.inject("conv-c", "x", "m1");
    c.awaitMessages("conv-c", 1, WAIT);
    // an automatic acknowledgement would be sent after the batching delay: none for 300 ms
    await()
        .during(Duration.ofMillis(300))
        .atMost(WAIT)
        .until(() -> server.clientFrames("delivered").isEmpty());
    c.markDelivered("conv-c", 1);
    c.markRead("conv-c", 1);
    c.typing("conv-c", true);
    c.subscribePresence(List.of("u1"));
    await().atMost(WAIT).until(() -> server.clientFrames("presence_subscribe").size() == 1);
    assertThat(server.clientFrames("delivered")).hasSize(1);
    assertThat(server.clientFrames("read").get(0).path("seq").asLong()).isEqualTo(1);
    assertThat(server.clientFrames("typing").get(0).path("state").asText()).isEqualTo("start");
  }

  @Test
  void malformedRawFrameGetsBadFrameErrorAndConnectionStaysUp() throws Exception {
    ParleyClient c = connect(options(server.newSession("iris")));
    List<Frames.Error> errors = new CopyOnWriteArrayList<>();
    c.addListener(
        new ParleyListener() {
          @Override
          public void onError(Frames.Error e) {
            errors.add(e);
          }
        });
    c.rawSend("{not json").get(5, TimeUnit.SECONDS);
    await().atMost(WAIT).until(() -> errors.size() == 1);
    assertThat(errors.get(0).code()).isEqualTo("bad_frame");
    assertThat(c.sendText("conv-d", "still up").get(5, TimeUnit.SECONDS).seq()).isEqualTo(1);
  }

  @Test
  void errorFrameNamingClientMsgIdFailsTheSend() {
    ParleyClient c = connect(options(server.newSession("jack")));
    CompletableFuture<Frames.Ack> f = c.send(new Frames.Send("bad-1", "conv-e", null, null));
    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(ParleySendException.class)
        .hasMessageContaining("invalid_argument");
  }

  @Test
  void reconnectsAfterServerCloseResendsPendingAndDedupesReplay() throws Exception {
    List<CloseInfo> closes = new CopyOnWriteArrayList<>();
    ParleyClient c =
        connect(
            options(server.newSession("kim"))
                .autoReconnect(true)
                .reconnectBackoff(50, 200)
                .autoDelivered(false)
                .ackTimeoutMs(60_000));
    c.addListener(
        new ParleyListener() {
          @Override
          public void onClose(int code, String reason) {
            closes.add(new CloseInfo(code, reason));
          }
        });
    c.awaitSynced(WAIT);
    MessageView incoming = server.inject("conv-f", "peer", "before drop");
    c.awaitMessages("conv-f", 1, WAIT);

    server.dropAllAcks = true;
    CompletableFuture<Frames.Ack> pending = c.sendText("conv-g", "in flight");
    await().atMost(WAIT).until(() -> server.stored("conv-g") == 1);
    server.dropAllAcks = false;
    server.closeAll(1012, "restarting");

    Frames.Ack ack = pending.get(10, TimeUnit.SECONDS);
    c.awaitSynced(WAIT);
    assertThat(c.connections()).isEqualTo(2);
    assertThat(server.wsConnects.get()).isEqualTo(2);
    assertThat(closes).extracting(CloseInfo::code).containsExactly(1012);
    assertThat(server.stored("conv-g")).isEqualTo(1);
    assertThat(server.clientFrames("send"))
        .extracting(f -> f.path("client_msg_id").asText())
        .containsOnly(ack.clientMsgId())
        .hasSize(2);
    // the fake replays conv-f (never marked delivered): dropped as a duplicate
    await().atMost(WAIT).until(() -> c.inbox().duplicatesDropped() >= 1);
    assertThat(c.messages("conv-f"))
        .extracting(MessageView::messageId)
        .containsExactly(incoming.messageId());
  }

  @Test
  void closeStopsReconnectingAndFailsPendingSends() throws Exception {
    server.dropAllAcks = true;
    ParleyClient c = connect(options(server.newSession("lee")).autoReconnect(true));
    CompletableFuture<Frames.Ack> f = c.sendText("conv-h", "never acked");
    await().atMost(WAIT).until(() -> server.stored("conv-h") == 1);
    c.close();
    assertThatThrownBy(() -> f.get(5, TimeUnit.SECONDS))
        .hasCauseInstanceOf(IllegalStateException.class);
    // a closed client must not reconnect: still one connect 300 ms later
    await().during(Duration.ofMillis(300)).atMost(WAIT).until(() -> server.wsConnects.get() == 1);
    assertThat(c.isConnected()).isFalse();
  }
}
