package io.parley.server.push;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import io.parley.server.conversation.model.Memberships;
import io.parley.server.messaging.StoredMessage;
import io.parley.server.outbox.Outbox;
import io.parley.server.push.PushTokenStore.PushToken;
import io.parley.server.store.JdbcMessageStore;
import java.io.IOException;
import java.sql.Connection;
import java.sql.SQLException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Writes push jobs inside the message commit (the transactional outbox): for each new message,
 * every member other than the sender who has no connected device at commit time gets one job per
 * registered push token, deduplicated per (device, message) and grouped per (device, conversation)
 * so a burst collapses into one notification. Cheap when everyone is online: no query at all;
 * otherwise one token query and one batched insert per commit.
 *
 * <p>The payload holds a text preview (truncated) for text messages; {@code encrypted} bodies and
 * other kinds store no content.
 */
public final class PushJobs implements JdbcMessageStore.AppendHook {
  public static final String KIND = "push";

  private final Memberships memberships;
  private final DevicePresence presence;
  private final PushTokenStore tokens;
  private final Outbox outbox;
  private final long collapseDelayMs;
  private final int previewChars;

  public PushJobs(
      Memberships memberships,
      DevicePresence presence,
      PushTokenStore tokens,
      Outbox outbox,
      long collapseDelayMs,
      int previewChars) {
    this.memberships = memberships;
    this.presence = presence;
    this.tokens = tokens;
    this.outbox = outbox;
    this.collapseDelayMs = collapseDelayMs;
    this.previewChars = previewChars;
  }

  @Override
  public void afterAppend(Connection tx, Collection<StoredMessage> stored) throws SQLException {
    Map<Long, List<StoredMessage>> byRecipient = null;
    for (StoredMessage m : stored) {
      if (m.bodyJson().startsWith("{\"kind\":\"system\"")) {
        continue;
      }
      for (long u : memberships.members(m.conversationId())) {
        if (u != m.senderId() && !presence.userOnline(u)) {
          if (byRecipient == null) {
            byRecipient = new HashMap<>();
          }
          byRecipient.computeIfAbsent(u, k -> new ArrayList<>()).add(m);
        }
      }
    }
    if (byRecipient == null) {
      return;
    }
    List<PushToken> found = tokens.ofUsers(tx, byRecipient.keySet());
    if (found.isEmpty()) {
      return;
    }
    Map<Long, Content> contents = new HashMap<>();
    List<Outbox.Entry> entries = new ArrayList<>();
    for (PushToken t : found) {
      for (StoredMessage m : byRecipient.get(t.userId())) {
        Content content = contents.computeIfAbsent(m.messageId(), id -> content(m));
        if (content.kind() == null) {
          continue;
        }
        Map<String, Object> p = new LinkedHashMap<>();
        p.put("device_id", Long.toString(t.deviceId()));
        p.put("user_id", Long.toString(t.userId()));
        p.put("conversation_id", Long.toString(m.conversationId()));
        p.put("message_id", Long.toString(m.messageId()));
        p.put("seq", m.seq());
        p.put("sender_id", Long.toString(m.senderId()));
        p.put("kind", content.kind());
        if (content.preview() != null) {
          p.put("preview", content.preview());
        }
        entries.add(
            new Outbox.Entry(
                KIND,
                "push:" + t.deviceId() + ":" + m.messageId(),
                "push:" + t.deviceId() + ":" + m.conversationId(),
                Json.write(p),
                m.ts() + collapseDelayMs));
      }
    }
    outbox.insert(tx, entries);
  }

  /** What a notification may show of a message; kind null: no notification. */
  private record Content(String kind, String preview) {}

  private Content content(StoredMessage m) {
    JsonNode body;
    try {
      body = Json.MAPPER.readTree(m.bodyJson());
    } catch (IOException e) {
      return new Content(null, null);
    }
    String kind = body.path("kind").asText();
    return switch (kind) {
      case "text" -> new Content(kind, truncate(body.path("text").asText(), previewChars));
      case "media" ->
          new Content(
              kind,
              body.hasNonNull("caption")
                  ? "Photo: " + truncate(body.path("caption").asText(), previewChars)
                  : "Photo");
      case "document" ->
          new Content(kind, "Document: " + truncate(body.path("file_name").asText(), 64));
      case "encrypted" -> new Content(kind, null); // opaque: never any content
      default -> new Content(null, null);
    };
  }

  static String truncate(String s, int max) {
    if (s.codePointCount(0, s.length()) <= max) {
      return s;
    }
    return s.substring(0, s.offsetByCodePoints(0, max)) + "…";
  }

  /** A job's payload, parsed. */
  record Payload(
      long deviceId,
      long userId,
      long conversationId,
      long messageId,
      long seq,
      long senderId,
      String kind,
      String preview) {
    static Payload parse(String json) {
      JsonNode n;
      try {
        n = Json.MAPPER.readTree(json);
      } catch (IOException e) {
        throw new IllegalArgumentException("bad push payload", e);
      }
      return new Payload(
          n.path("device_id").asLong(),
          n.path("user_id").asLong(),
          n.path("conversation_id").asLong(),
          n.path("message_id").asLong(),
          n.path("seq").asLong(),
          n.path("sender_id").asLong(),
          n.path("kind").asText(),
          n.hasNonNull("preview") ? n.path("preview").asText() : null);
    }
  }
}
