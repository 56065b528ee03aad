package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import java.util.ArrayList;
import java.util.List;

/** Typed REST response records returned by {@link ParleyHttp}. Unknown fields are ignored. */
public final class Api {
  private Api() {}

  /** {@code POST /v1/auth/signup} result. */
  public record SignedUp(String userId, String username) {}

  /** {@code POST /v1/auth/login} result: one device's tokens. */
  public record Session(
      String accessToken, String refreshToken, long expiresIn, String userId, String deviceId) {}

  /** {@code POST /v1/auth/refresh} result (the old refresh token stops working). */
  public record Tokens(String accessToken, String refreshToken, long expiresIn) {}

  /** A user profile. */
  public record Profile(
      String userId, String username, String displayName, String about, String avatarMediaId) {}

  /** One entry of {@code GET /v1/conversations}; {@code members} is kept as loose JSON. */
  public record ConversationSummary(
      String conversationId,
      String type,
      String title,
      JsonNode members,
      MessageView lastMessage,
      long unreadCount,
      long lastReadSeq) {}

  /** A page of {@code GET /v1/conversations/{id}/messages}, ordered by seq ascending. */
  public record HistoryPage(List<MessageView> messages, boolean hasMore) {}

  /** A group member and its role ({@code owner}, {@code admin} or {@code member}). */
  public record GroupMember(String userId, String role) {}

  /** A group; {@code raw} holds the complete response. */
  public record Group(String conversationId, String name, List<GroupMember> members, JsonNode raw) {
    /** Parses a group tolerantly: members may be objects {@code {user_id, role}} or plain ids. */
    static Group from(JsonNode n) {
      List<GroupMember> members = new ArrayList<>();
      for (JsonNode m : n.path("members")) {
        if (m.isTextual()) {
          members.add(new GroupMember(m.asText(), null));
        } else {
          members.add(new GroupMember(m.path("user_id").asText(null), m.path("role").asText(null)));
        }
      }
      return new Group(
          n.path("conversation_id").asText(null), n.path("name").asText(null), members, n);
    }
  }

  /** One entry of {@code GET /v1/presence}. */
  public record PresenceInfo(String userId, boolean online, Long lastSeen) {}

  /** A raw HTTP exchange, for tests that probe bad input. */
  public record RawResponse(int status, String body, java.net.http.HttpHeaders headers) {
    /** The body parsed as JSON (a missing node when empty). */
    public JsonNode json() {
      if (body == null || body.isBlank()) {
        return com.fasterxml.jackson.databind.node.MissingNode.getInstance();
      }
      return Json.read(body, JsonNode.class);
    }
  }

  /**
   * {@code POST /v1/media} result. {@code url} is a signed download path valid until {@code
   * urlExpiresAt} (Unix seconds); {@code thumbnailId}/{@code thumbnailUrl} are set for images.
   */
  public record MediaUploaded(
      String mediaId,
      String sha256,
      long size,
      String contentType,
      String kind,
      String fileName,
      String url,
      long urlExpiresAt,
      String thumbnailId,
      String thumbnailUrl) {}

  // ---- push and end-to-end keys ----

  /** A signed prekey: an X25519 public key signed by the device's Ed25519 identity key. */
  public record SignedPreKey(long keyId, String publicKey, String signature) {}

  /** A one-time prekey: an X25519 public key. */
  public record PreKey(long keyId, String publicKey) {}

  /** One device's bundle from {@code GET /v1/keys/{user_id}}; {@code oneTimePrekey} may be null. */
  public record KeyBundle(
      String deviceId, String identityKey, SignedPreKey signedPrekey, PreKey oneTimePrekey) {}
}
