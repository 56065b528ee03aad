package io.parley.server.messaging;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The hand-written JSON of the hot path must equal what the protocol types serialize to. */
class MessageJsonTest {
  private static final StoredMessage M =
      new StoredMessage(
          383214403442442240L,
          77,
          5,
          11,
          12,
          "id with \"quotes\", \\ and \u2028 and \n",
          1_700_000_000_000L,
          "{\"kind\":\"text\",\"text\":\"hé \\\"x\\\"\"}");

  @Test
  void messageFrameRoundTripsThroughTheProtocolTypes() throws Exception {
    JsonNode frame = Json.MAPPER.readTree(MessageJson.frame(M));
    assertThat(frame.path("type").asText()).isEqualTo("message");
    MessageView v = Json.MAPPER.treeToValue(frame.path("message"), MessageView.class);
    assertThat(v.messageId()).isEqualTo("383214403442442240");
    assertThat(v.conversationId()).isEqualTo("77");
    assertThat(v.seq()).isEqualTo(5);
    assertThat(v.senderId()).isEqualTo("11");
    assertThat(v.senderDeviceId()).isEqualTo("12");
    assertThat(v.clientMsgId()).isEqualTo(M.clientMsgId());
    assertThat(v.ts()).isEqualTo(M.ts());
    assertThat(v.text()).isEqualTo("hé \"x\"");
  }

  @Test
  void ackAndReceiptEqualJacksonOutput() throws Exception {
    assertThat(Json.MAPPER.readTree(MessageJson.ack(M)))
        .isEqualTo(
            Json.MAPPER.readTree(
                Json.write(
                    new Frames.Ack(M.clientMsgId(), "383214403442442240", "77", 5, M.ts()))));
    assertThat(Json.MAPPER.readTree(MessageJson.receipt(77, 11, "read", 9)))
        .isEqualTo(Json.MAPPER.readTree(Json.write(new Frames.Receipt("77", "11", "read", 9))));
  }

  @Test
  void pageIsValidJson() throws Exception {
    JsonNode page = Json.MAPPER.readTree(MessageJson.page(List.of(M, M), true));
    assertThat(page.path("messages")).hasSize(2);
    assertThat(page.path("has_more").asBoolean()).isTrue();
    assertThat(Json.MAPPER.readTree(MessageJson.page(List.of(), false)).path("messages")).isEmpty();
  }
}
