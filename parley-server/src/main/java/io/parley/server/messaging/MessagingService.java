package io.parley.server.messaging;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.api.Principal;
import io.parley.server.auth.UserStore;
import io.parley.server.conversation.model.Conversation;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.delivery.Broker;
import io.parley.server.delivery.ClusterEvent;
import io.parley.server.delivery.Outbound;
import io.parley.server.messaging.MessageStore.AppendResult;
import java.time.Clock;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.LongSupplier;

/**
 * Sending: validates, authorizes, hands the message to the group-commit writer and, once it is
 * durable, fans it out to every device of every member (the sender's own other devices included)
 * with one serialization per message. A repeated (sender, client_msg_id) resolves to the stored
 * message and is not fanned out again.
 */
public final class MessagingService {
  /** Longest client_msg_id accepted. */
  public static final int MAX_CLIENT_MSG_ID = 64;

  private final MessageWriter writer;
  private final ConversationStore conversations;
  private final UserStore users;
  private final Memberships memberships;
  private final Broker broker;
  private final Bodies bodies;
  private final LongSupplier ids;
  private final Clock clock;

  /** A stored message and whether the send was a repeat of an earlier one. */
  public record SendResult(StoredMessage message, boolean duplicate) {}

  public MessagingService(
      MessageWriter writer,
      ConversationStore conversations,
      UserStore users,
      Memberships memberships,
      Broker broker,
      Bodies bodies,
      LongSupplier ids,
      Clock clock) {
    this.writer = writer;
    this.conversations = conversations;
    this.users = users;
    this.memberships = memberships;
    this.broker = broker;
    this.bodies = bodies;
    this.ids = ids;
    this.clock = clock;
  }

  /** Validates a client_msg_id; throws {@code invalid_argument}. */
  public static String checkClientMsgId(JsonNode v) {
    if (v == null || v.isNull()) {
      throw ApiException.invalid("client_msg_id is required");
    }
    if (!v.isTextual() || v.asText().isEmpty() || v.asText().length() > MAX_CLIENT_MSG_ID) {
      throw ApiException.invalid(
          "client_msg_id must be a non-empty string of at most " + MAX_CLIENT_MSG_ID + " chars");
    }
    return v.asText();
  }

  /**
   * Whether a send to {@code conversationId} by {@code userId} can be decided without blocking (the
   * conversation's members are cached).
   */
  public boolean canSendWithoutBlocking(long conversationId) {
    return memberships.isCached(conversationId);
  }

  /** Resolves (creating if needed) the direct conversation with {@code toUserId}. Blocks. */
  public long directConversation(long fromUserId, long toUserId) {
    if (toUserId == fromUserId) {
      throw ApiException.invalid("cannot start a direct conversation with yourself");
    }
    if (users.findUser(toUserId).isEmpty()) {
      throw ApiException.notFound("no such user");
    }
    Conversation c =
        conversations.getOrCreateDirect(ids.getAsLong(), fromUserId, toUserId, clock.millis());
    memberships.directKnown(c.id(), fromUserId, toUserId);
    return c.id();
  }

  /**
   * Whether {@link #sendDirect} can run without blocking: the pair is unknown to this node (the
   * conversation is then resolved in the append transaction) or known with its members cached.
   */
  public boolean canSendDirectWithoutBlocking(long fromUserId, long toUserId) {
    Long id = memberships.direct(fromUserId, toUserId);
    return id == null || memberships.isCached(id);
  }

  /**
   * Sends by {@code to_user_id}. The first message of a pair costs no transaction of its own: the
   * direct conversation is found or created inside the batched append transaction (the same pair
   * always gets the same conversation, also across nodes). An unknown recipient fails with {@code
   * not_found} and stores nothing. May block only when the pair is known but its members were
   * evicted from the cache (see {@link #canSendDirectWithoutBlocking}).
   */
  public CompletableFuture<SendResult> sendDirect(
      Principal sender, long toUserId, String clientMsgId, JsonNode body) {
    long from = sender.userId();
    if (toUserId == from) {
      throw ApiException.invalid("cannot start a direct conversation with yourself");
    }
    Long known = memberships.direct(from, toUserId);
    if (known != null) {
      return send(sender, known, clientMsgId, body);
    }
    String canonical = bodies.canonical(body);
    checkMedia(from, body);
    long[] members = {Math.min(from, toUserId), Math.max(from, toUserId)};
    NewMessage m =
        new NewMessage(
            ids.getAsLong(),
            ids.getAsLong(), // the id of the conversation if this send creates it
            from,
            sender.deviceId(),
            clientMsgId,
            clock.millis(),
            canonical,
            toUserId);
    // if this send creates the conversation, its members are known before it is committed
    memberships.directMembers(m.conversationId(), from, toUserId);
    return writer
        .submit(
            m,
            r -> {
              if (!r.duplicate()) {
                memberships.directKnown(r.message().conversationId(), from, toUserId);
              }
              return afterCommit(r, members);
            })
        .exceptionally(
            t -> {
              Throwable cause =
                  t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
              if (cause instanceof UnknownRecipientException) {
                throw ApiException.notFound("no such user");
              }
              throw t instanceof CompletionException ce ? ce : new CompletionException(t);
            });
  }

  /**
   * Sends a client message. Authorization may block on a cold membership cache; call from a worker
   * thread unless {@link #canSendWithoutBlocking} is true.
   */
  public CompletableFuture<SendResult> send(
      Principal sender, long conversationId, String clientMsgId, JsonNode body) {
    String canonical = bodies.canonical(body);
    long[] members = authorize(sender.userId(), conversationId);
    checkMedia(sender.userId(), body);
    NewMessage m =
        new NewMessage(
            ids.getAsLong(),
            conversationId,
            sender.userId(),
            sender.deviceId(),
            clientMsgId,
            clock.millis(),
            canonical);
    return writer.submit(m, r -> afterCommit(r, members));
  }

  /** Writes a server-made message (e.g. a membership change) and fans it out. */
  public CompletableFuture<SendResult> sendSystem(
      long conversationId, long actorUserId, String bodyJson) {
    long id = ids.getAsLong();
    NewMessage m =
        new NewMessage(id, conversationId, actorUserId, 0, "sys-" + id, clock.millis(), bodyJson);
    return writer.submit(m, r -> afterCommit(r, memberships.members(conversationId)));
  }

  // ---- media (F11) ----

  /** Decides whether a user may reference a media id in a message; throws {@code ApiException}. */
  @FunctionalInterface
  public interface MediaCheck {
    void checkUsable(long userId, long mediaId);
  }

  private volatile MediaCheck mediaCheck;

  /** Installs the media check run before queueing media and document bodies. */
  public void setMediaCheck(MediaCheck check) {
    this.mediaCheck = check;
  }

  /** Runs the media check for a (canonically valid) media or document body, off the writer. */
  private void checkMedia(long userId, JsonNode body) {
    MediaCheck check = mediaCheck;
    String kind = body.path("kind").asText();
    if (check != null && (kind.equals("media") || kind.equals("document"))) {
      check.checkUsable(userId, io.parley.server.api.Fields.requiredId(body, "media_id"));
    }
  }

  /** Fans out to the given members (after membership changes the caller may add removed users). */
  private SendResult afterCommit(AppendResult r, long[] members) {
    StoredMessage s = r.message();
    if (!r.duplicate()) {
      memberships.committed(s.conversationId(), s.seq());
      if (s.seq() == 1) {
        // the broker brings it to every node, this one included (where presence is watched)
        broker.publishEvent(ClusterEvent.firstMessage(s.conversationId()));
      }
      Outbound frame = new Outbound(MessageJson.frame(s), s.conversationId(), s.seq());
      broker.publish(new LongArrayList(members), frame, s.senderDeviceId());
    }
    return new SendResult(s, r.duplicate());
  }

  private long[] authorize(long userId, long conversationId) {
    long[] members = memberships.members(conversationId);
    if (java.util.Arrays.binarySearch(members, userId) < 0) {
      if (members.length == 0 && conversations.find(conversationId).isEmpty()) {
        throw ApiException.notFound("no such conversation");
      }
      throw new ApiException(ErrorCode.FORBIDDEN, "not a member of this conversation");
    }
    return members;
  }
}
