package io.parley.server.gateway;

import com.fasterxml.jackson.databind.JsonNode;
import io.netty.buffer.ByteBuf;
import io.parley.protocol.CloseCodes;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.abuse.MessageRateLimits;
import io.parley.server.api.ApiException;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.Outbound;
import io.parley.server.http.StrictJson;
import io.parley.server.messaging.MessageJson;
import io.parley.server.messaging.MessagingService;
import io.parley.server.messaging.ReceiptService;
import io.parley.server.presence.PresenceService;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Parses and dispatches client frames (API.md). Runs on the connection's event loop; work that may
 * block (cold caches, store writes) runs on a worker in a per-connection serial chain, so a
 * client's frames keep their order. Every bad frame gets an {@code error} frame and changes
 * nothing; a client sending a burst of bad frames is disconnected with 4429. Frames are parsed
 * strictly ({@link StrictJson}). A {@code send} beyond the user's message rate gets an {@code
 * error} {@code rate_limited} with {@code retry_after_ms}; a connection that keeps sending while
 * limited is closed with 4429.
 */
public final class FrameHandler {
  private static final Logger log = LoggerFactory.getLogger(FrameHandler.class);
  private static final int MAX_ERRORS_PER_WINDOW = 50;
  private static final long ERROR_WINDOW_MS = 10_000;
  private static final String PONG = Json.write(Frames.Bare.PONG);

  private final MessagingService messaging;
  private final ReceiptService receipts;
  private final PresenceService presence;
  private final Memberships memberships;
  private final Broker broker;
  private final ExecutorService workers;
  private final Clock clock;
  private final int maxFrameBytes;
  private final RevokedDevices revoked;
  private final MessageRateLimits limits;

  public FrameHandler(
      MessagingService messaging,
      ReceiptService receipts,
      PresenceService presence,
      Memberships memberships,
      Broker broker,
      ExecutorService workers,
      int maxFrameBytes,
      Clock clock,
      RevokedDevices revoked,
      MessageRateLimits limits) {
    this.maxFrameBytes = maxFrameBytes;
    this.revoked = revoked;
    this.limits = limits;
    this.messaging = messaging;
    this.receipts = receipts;
    this.presence = presence;
    this.memberships = memberships;
    this.broker = broker;
    this.workers = workers;
    this.clock = clock;
  }

  // --- F16: metrics and log context ---
  private volatile io.parley.server.ops.Metrics metrics;

  /** Counts frames in, acks/pongs out and errors by code in {@code metrics}. */
  public void setMetrics(io.parley.server.ops.Metrics metrics) {
    this.metrics = metrics;
  }

  private void countIn(String type) {
    io.parley.server.ops.Metrics m = metrics;
    if (m != null) {
      m.frameIn(type);
    }
  }

  private void countOut(String type) {
    io.parley.server.ops.Metrics m = metrics;
    if (m != null) {
      m.framesOut(type, 1);
    }
  }

  void onBinary(Connection c, ByteBuf b) {
    c.touch(clock.millis());
    error(c, ErrorCode.BAD_FRAME, "frames must be JSON text messages", null);
  }

  /** The log context id of a connection: device id and identity. */
  static String connectionId(Connection c) {
    return c.deviceId() + "-" + Integer.toHexString(System.identityHashCode(c));
  }

  void onText(Connection c, String text) {
    org.slf4j.MDC.put("connection_id", connectionId(c));
    try {
      handleText(c, text);
    } finally {
      org.slf4j.MDC.remove("connection_id");
    }
  }

  private void handleText(Connection c, String text) {
    if (refused(c)) {
      return;
    }
    c.touch(clock.millis());
    if (text.length() * 3L > maxFrameBytes && utf8Length(text) > maxFrameBytes) {
      c.close(CloseCodes.TOO_LARGE, "frame larger than " + maxFrameBytes + " bytes");
      return;
    }
    JsonNode frame;
    try {
      frame = StrictJson.parse(text, ErrorCode.BAD_FRAME);
    } catch (ApiException e) {
      error(c, ErrorCode.BAD_FRAME, e.getMessage(), null);
      return;
    }
    if (frame == null || !frame.isObject()) {
      error(c, ErrorCode.BAD_FRAME, "a frame must be a JSON object", null);
      return;
    }
    JsonNode type = frame.get("type");
    if (type == null || !type.isTextual()) {
      error(c, ErrorCode.BAD_FRAME, "frame has no type", null);
      return;
    }
    countIn(type.asText());
    if (log.isDebugEnabled()) {
      log.debug("frame {}", type.asText().length() > 32 ? "(long type)" : type.asText());
    }
    try {
      switch (type.asText()) {
        case "send" -> admitSend(c, frame, text);
        case "delivered" ->
            serial(c, frame, null, () -> receipts.delivered(p(c), conv(frame), seq(frame)));
        case "read" -> serial(c, frame, null, () -> receipts.read(p(c), conv(frame), seq(frame)));
        case "typing" -> typing(c, frame);
        case "presence_subscribe" ->
            serial(c, frame, null, () -> presence.subscribe(c, userIds(frame)));
        case "presence_unsubscribe" -> presence.unsubscribe(c, userIds(frame));
        case "ping" -> {
          c.send(PONG);
          countOut("pong");
        }
        default -> error(c, ErrorCode.BAD_FRAME, "unknown frame type: " + type.asText(), null);
      }
    } catch (ApiException e) {
      error(c, e.code(), e.getMessage(), clientMsgIdOf(frame), e.retryAfterMs());
    }
  }

  /**
   * Charges a {@code send} to the user's message rate, then sends. A node-local limiter decides at
   * once; a cluster-wide decision still on its way (Redis) holds the send, and every later serial
   * frame of the connection, in the connection's serial order, so nothing overtakes it and no event
   * loop waits.
   */
  private void admitSend(Connection c, JsonNode frame, String text) {
    CompletableFuture<Long> wait =
        limits.acquire(c.userId(), utf8Length(text)).toCompletableFuture();
    if (wait.isDone()) {
      if (admitted(c, frame, wait.join())) {
        send(c, frame, false);
      }
      return;
    }
    serial(
        c,
        frame,
        null,
        wait,
        () -> {
          if (admitted(c, frame, wait.join())) {
            send(c, frame, true);
          }
        });
  }

  /**
   * True if the limiter allowed the send ({@code wait == 0}). When refused, answers {@code
   * rate_limited} with {@code retry_after_ms} (and the {@code client_msg_id}), and closes the
   * connection with 4429 once it is beyond tolerance.
   */
  private boolean admitted(Connection c, JsonNode frame, long wait) {
    if (wait == 0) {
      limits.accepted(c.deviceId());
      return true;
    }
    if (limits.refused(c.deviceId())) {
      // beyond tolerance: the close (which discards queued frames) is the answer
      limits.accepted(c.deviceId());
      c.close(CloseCodes.RATE_LIMITED, "rate limited beyond tolerance");
      return false;
    }
    ApiException e = MessageRateLimits.rateLimited(wait);
    error(c, e.code(), e.getMessage(), clientMsgIdOf(frame), wait);
    return false;
  }

  /**
   * Sends an admitted message: inline when nothing may block, else in the connection's serial
   * order; {@code inSerial} when already running as the connection's serial task (on a worker).
   */
  private void send(Connection c, JsonNode frame, boolean inSerial) {
    String clientMsgId = MessagingService.checkClientMsgId(frame.get("client_msg_id"));
    JsonNode convNode = frame.get("conversation_id");
    JsonNode toNode = frame.get("to_user_id");
    boolean hasConv = convNode != null && !convNode.isNull();
    boolean hasTo = toNode != null && !toNode.isNull();
    if (hasConv == hasTo) {
      throw ApiException.invalid("exactly one of conversation_id and to_user_id is required");
    }
    JsonNode body = frame.get("body");
    Principal p = p(c);
    if (hasConv) {
      long conv = Fields.requiredId(frame, "conversation_id");
      if (inSerial || (c.serialIdle() && messaging.canSendWithoutBlocking(conv))) {
        submit(c, p, conv, clientMsgId, body);
        return;
      }
      serial(c, frame, clientMsgId, () -> submit(c, p, conv, clientMsgId, body));
    } else {
      long to = Fields.requiredId(frame, "to_user_id");
      Runnable direct =
          () -> {
            if (!refused(c)) {
              whenSent(c, clientMsgId, messaging.sendDirect(p, to, clientMsgId, body));
            }
          };
      if (inSerial || (c.serialIdle() && messaging.canSendDirectWithoutBlocking(p.userId(), to))) {
        direct.run();
        return;
      }
      serial(c, frame, clientMsgId, direct);
    }
  }

  /**
   * Frames of a closed connection or a revoked device are dropped unanswered: after a revocation
   * nothing the device sent, even if already received, is acted on.
   */
  private boolean refused(Connection c) {
    return c.isClosed() || revoked.contains(c.deviceId());
  }

  private void submit(Connection c, Principal p, long conv, String clientMsgId, JsonNode body) {
    if (refused(c)) {
      return;
    }
    whenSent(c, clientMsgId, messaging.send(p, conv, clientMsgId, body));
  }

  /** Acks the stored message, or reports why it was not stored. */
  // whenComplete answers the client itself; the stage it returns is not needed
  @SuppressWarnings("FutureReturnValueIgnored")
  private void whenSent(
      Connection c, String clientMsgId, CompletableFuture<MessagingService.SendResult> sent) {
    sent.whenComplete(
        (r, t) -> {
          if (t == null) {
            c.ack(r.message().conversationId(), r.message().seq(), MessageJson.ack(r.message()));
            countOut("ack");
          } else {
            Throwable cause =
                t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
            if (cause instanceof ApiException e) {
              error(c, e.code(), e.getMessage(), clientMsgId, e.retryAfterMs());
            } else {
              log.error("send failed", cause);
              error(c, ErrorCode.INTERNAL, "message not stored, retry", clientMsgId);
            }
          }
        });
  }

  private void typing(Connection c, JsonNode frame) {
    long conv = conv(frame);
    String state = Fields.requiredString(frame, "state", 8);
    if (!state.equals("start") && !state.equals("stop")) {
      throw ApiException.invalid("state must be start or stop");
    }
    Runnable relay =
        () -> {
          if (!memberships.isMember(conv, c.userId())) {
            throw ApiException.forbidden("not a member of this conversation");
          }
          List<Long> others = new ArrayList<>();
          for (long u : memberships.members(conv)) {
            if (u != c.userId()) {
              others.add(u);
            }
          }
          String json =
              Json.write(new Frames.Typing(Long.toString(conv), Long.toString(c.userId()), state));
          broker.publish(others, Outbound.of(json), 0);
        };
    if (c.serialIdle() && memberships.isCached(conv)) {
      relay.run();
    } else {
      serial(c, frame, null, relay);
    }
  }

  /** Runs {@code task} on a worker after the connection's earlier serial tasks. */
  private void serial(Connection c, JsonNode frame, String clientMsgId, Runnable task) {
    serial(c, frame, clientMsgId, null, task);
  }

  /** Like {@link #serial}, and also after {@code gate} completes (when not null). */
  private void serial(
      Connection c, JsonNode frame, String clientMsgId, CompletionStage<?> gate, Runnable task) {
    Runnable guarded =
        () -> {
          if (refused(c)) {
            return;
          }
          org.slf4j.MDC.put("connection_id", connectionId(c));
          try {
            task.run();
          } catch (ApiException e) {
            error(
                c,
                e.code(),
                e.getMessage(),
                clientMsgId != null ? clientMsgId : clientMsgIdOf(frame),
                e.retryAfterMs());
          } catch (RuntimeException e) {
            log.error("frame handling failed", e);
            error(c, ErrorCode.INTERNAL, "internal error", clientMsgId);
          } finally {
            org.slf4j.MDC.remove("connection_id");
          }
        };
    if (gate == null) {
      c.runSerial(workers, guarded);
    } else {
      c.runSerialAfter(gate, workers, guarded);
    }
  }

  private static int utf8Length(String s) {
    int n = s.length();
    int bytes = 0;
    for (int i = 0; i < n; i++) {
      char ch = s.charAt(i);
      if (ch < 0x80) {
        bytes++;
      } else if (ch < 0x800) {
        bytes += 2;
      } else if (Character.isHighSurrogate(ch)) {
        bytes += 4;
        i++;
      } else {
        bytes += 3;
      }
    }
    return bytes;
  }

  private static Principal p(Connection c) {
    return new Principal(c.userId(), c.deviceId());
  }

  private static long conv(JsonNode frame) {
    return Fields.requiredId(frame, "conversation_id");
  }

  private static long seq(JsonNode frame) {
    JsonNode v = frame.get("seq");
    if (v == null || v.isNull()) {
      throw ApiException.invalid("seq is required");
    }
    if (!v.isIntegralNumber() || !v.canConvertToLong()) {
      throw ApiException.invalid("seq must be an integer");
    }
    return v.asLong();
  }

  private static List<Long> userIds(JsonNode frame) {
    return Fields.idList(frame, "user_ids", true, 1000);
  }

  private static String clientMsgIdOf(JsonNode frame) {
    JsonNode v = frame.get("client_msg_id");
    return v != null && v.isTextual() && v.asText().length() <= MessagingService.MAX_CLIENT_MSG_ID
        ? v.asText()
        : null;
  }

  private void error(Connection c, ErrorCode code, String message, String clientMsgId) {
    error(c, code, message, clientMsgId, null);
  }

  private void error(
      Connection c, ErrorCode code, String message, String clientMsgId, Long retryAfterMs) {
    c.send(Json.write(new Frames.Error(code.wire(), message, clientMsgId, retryAfterMs)));
    io.parley.server.ops.Metrics m = metrics;
    if (m != null) {
      m.framesOut("error", 1);
      m.error(code.wire(), "websocket");
    }
    boolean clientFault = code == ErrorCode.BAD_FRAME || code == ErrorCode.INVALID_ARGUMENT;
    if (clientFault && c.countError(clock.millis(), ERROR_WINDOW_MS) > MAX_ERRORS_PER_WINDOW) {
      c.close(CloseCodes.RATE_LIMITED, "too many bad frames");
    }
  }
}
