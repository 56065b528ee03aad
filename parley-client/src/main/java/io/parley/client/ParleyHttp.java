package io.parley.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.client.Api.ConversationSummary;
import io.parley.client.Api.Group;
import io.parley.client.Api.HistoryPage;
import io.parley.client.Api.PresenceInfo;
import io.parley.client.Api.Profile;
import io.parley.client.Api.RawResponse;
import io.parley.client.Api.Session;
import io.parley.client.Api.SignedUp;
import io.parley.client.Api.Tokens;
import io.parley.protocol.Json;
import io.parley.protocol.MessageView;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Blocking REST client for the {@code /v1} API (API.md). Instances are immutable and thread-safe;
 * {@link #withToken(String)} returns a copy that sends {@code Authorization: Bearer <token>}.
 *
 * <p>Every non-2xx response raises {@link ParleyApiException} with the status, wire error code and
 * message; I/O failures raise {@link UncheckedIOException}.
 */
public final class ParleyHttp {
  private static final HttpClient SHARED =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private final HttpClient http;
  private final String baseUrl;
  private final String token;
  private final Duration timeout;

  /** A client for {@code baseUrl} (e.g. {@code http://localhost:8080}), without a token. */
  public ParleyHttp(String baseUrl) {
    this(SHARED, baseUrl, null, Duration.ofSeconds(30));
  }

  private ParleyHttp(HttpClient http, String baseUrl, String token, Duration timeout) {
    this.http = http;
    this.baseUrl = baseUrl.endsWith("/") ? baseUrl.substring(0, baseUrl.length() - 1) : baseUrl;
    this.token = token;
    this.timeout = timeout;
  }

  /** A copy that authenticates with {@code accessToken}. */
  public ParleyHttp withToken(String accessToken) {
    return new ParleyHttp(http, baseUrl, accessToken, timeout);
  }

  /** A copy authenticated as {@code session}. */
  public ParleyHttp as(Session session) {
    return withToken(session.accessToken());
  }

  public String baseUrl() {
    return baseUrl;
  }

  public String token() {
    return token;
  }

  // ---- auth ----

  public SignedUp signup(String username, String password) {
    return signup(username, password, null);
  }

  public SignedUp signup(String username, String password, String displayName) {
    ObjectNode b = obj().put("username", username).put("password", password);
    if (displayName != null) {
      b.put("display_name", displayName);
    }
    return as(call("POST", "/v1/auth/signup", b), SignedUp.class);
  }

  public Session login(String username, String password) {
    return login(username, password, null);
  }

  public Session login(String username, String password, String deviceName) {
    ObjectNode b = obj().put("username", username).put("password", password);
    if (deviceName != null) {
      b.put("device_name", deviceName);
    }
    return as(call("POST", "/v1/auth/login", b), Session.class);
  }

  /** Signs up (ignoring {@code conflict} when the name exists) and logs in: a test shortcut. */
  public Session signupAndLogin(String username, String password) {
    try {
      signup(username, password);
    } catch (ParleyApiException e) {
      if (e.status() != 409) {
        throw e;
      }
    }
    return login(username, password);
  }

  public Tokens refresh(String refreshToken) {
    return as(
        call("POST", "/v1/auth/refresh", obj().put("refresh_token", refreshToken)), Tokens.class);
  }

  /** Revokes this device's tokens. */
  public void logout() {
    call("POST", "/v1/auth/logout", null);
  }

  // ---- users ----

  public Profile me() {
    return as(call("GET", "/v1/users/me", null), Profile.class);
  }

  /** {@code PATCH /v1/users/me}; null fields are left unchanged. */
  public Profile updateMe(String displayName, String about, String avatarMediaId) {
    ObjectNode b = obj();
    if (displayName != null) {
      b.put("display_name", displayName);
    }
    if (about != null) {
      b.put("about", about);
    }
    if (avatarMediaId != null) {
      b.put("avatar_media_id", avatarMediaId);
    }
    return as(call("PATCH", "/v1/users/me", b), Profile.class);
  }

  public Profile user(String userId) {
    return as(call("GET", "/v1/users/" + enc(userId), null), Profile.class);
  }

  public Profile userByName(String username) {
    return as(call("GET", "/v1/users?username=" + enc(username), null), Profile.class);
  }

  // ---- conversations and messages ----

  /** Returns the conversation id of the direct conversation with {@code userId}. */
  public String createDirect(String userId) {
    return call("POST", "/v1/conversations/direct", obj().put("user_id", userId))
        .path("conversation_id")
        .asText();
  }

  public List<ConversationSummary> listConversations() {
    JsonNode n = call("GET", "/v1/conversations", null);
    List<ConversationSummary> out = new ArrayList<>();
    for (JsonNode c : n.path("conversations")) {
      out.add(as(c, ConversationSummary.class));
    }
    return out;
  }

  /**
   * One history page. At most one of {@code beforeSeq} / {@code afterSeq} should be non-null;
   * {@code limit} null means the server default (50).
   */
  public HistoryPage history(String conversationId, Long beforeSeq, Long afterSeq, Integer limit) {
    StringBuilder q = new StringBuilder();
    if (beforeSeq != null) {
      q.append("&before_seq=").append(beforeSeq);
    }
    if (afterSeq != null) {
      q.append("&after_seq=").append(afterSeq);
    }
    if (limit != null) {
      q.append("&limit=").append(limit);
    }
    String path = "/v1/conversations/" + enc(conversationId) + "/messages";
    if (!q.isEmpty()) {
      path += "?" + q.substring(1);
    }
    JsonNode n = call("GET", path, null);
    List<MessageView> msgs = new ArrayList<>();
    for (JsonNode m : n.path("messages")) {
      msgs.add(as(m, MessageView.class));
    }
    return new HistoryPage(msgs, n.path("has_more").asBoolean(false));
  }

  /** {@code POST /v1/conversations/{id}/messages}: same semantics as the WebSocket send. */
  public MessageView sendRest(String conversationId, String clientMsgId, JsonNode body) {
    ObjectNode b = obj().put("client_msg_id", clientMsgId);
    b.set("body", body);
    JsonNode n = call("POST", "/v1/conversations/" + enc(conversationId) + "/messages", b);
    return as(n.has("message") ? n.get("message") : n, MessageView.class);
  }

  public void markRead(String conversationId, long seq) {
    call("POST", "/v1/conversations/" + enc(conversationId) + "/read", obj().put("seq", seq));
  }

  // ---- groups ----

  public Group createGroup(String name, List<String> memberIds) {
    ObjectNode b = obj().put("name", name);
    b.set("member_ids", array(memberIds));
    return Group.from(call("POST", "/v1/groups", b));
  }

  public Group getGroup(String groupId) {
    return Group.from(call("GET", "/v1/groups/" + enc(groupId), null));
  }

  public Group renameGroup(String groupId, String name) {
    return Group.from(call("PATCH", "/v1/groups/" + enc(groupId), obj().put("name", name)));
  }

  public Group addMembers(String groupId, List<String> userIds) {
    ObjectNode b = obj();
    b.set("user_ids", array(userIds));
    return Group.from(call("POST", "/v1/groups/" + enc(groupId) + "/members", b));
  }

  public void removeMember(String groupId, String userId) {
    call("DELETE", "/v1/groups/" + enc(groupId) + "/members/" + enc(userId), null);
  }

  /** {@code role} is {@code "admin"} or {@code "member"}. */
  public void setRole(String groupId, String userId, String role) {
    call(
        "PUT",
        "/v1/groups/" + enc(groupId) + "/members/" + enc(userId) + "/role",
        obj().put("role", role));
  }

  public void leaveGroup(String groupId) {
    call("POST", "/v1/groups/" + enc(groupId) + "/leave", null);
  }

  // ---- push and end-to-end keys ----

  /** {@code PUT /v1/devices/me/push}: {@code provider} is fcm, apns or webhook. */
  public void putPushToken(String provider, String token) {
    call("PUT", "/v1/devices/me/push", obj().put("provider", provider).put("token", token));
  }

  /** {@code DELETE /v1/devices/me/push}. */
  public void deletePushToken() {
    call("DELETE", "/v1/devices/me/push", null);
  }

  /** {@code PUT /v1/keys} for this device (keys base64). */
  public void uploadKeys(
      String identityKey, Api.SignedPreKey signedPrekey, List<Api.PreKey> oneTimePrekeys) {
    ObjectNode b = obj().put("identity_key", identityKey);
    b.set("signed_prekey", Json.MAPPER.valueToTree(signedPrekey));
    b.set("one_time_prekeys", Json.MAPPER.valueToTree(oneTimePrekeys));
    call("PUT", "/v1/keys", b);
  }

  /** {@code GET /v1/keys/{user_id}}: one bundle per device, each claiming a one-time prekey. */
  public List<Api.KeyBundle> fetchKeys(String userId) {
    List<Api.KeyBundle> out = new ArrayList<>();
    for (JsonNode d : call("GET", "/v1/keys/" + enc(userId), null).path("devices")) {
      out.add(as(d, Api.KeyBundle.class));
    }
    return out;
  }

  /** {@code GET /v1/keys/me/count}: this device's remaining one-time prekeys. */
  public int prekeyCount() {
    return call("GET", "/v1/keys/me/count", null).path("count").asInt();
  }

  // ---- presence ----

  public List<PresenceInfo> presence(List<String> userIds) {
    JsonNode n =
        call(
            "GET",
            "/v1/presence?user_ids="
                + String.join(",", userIds.stream().map(ParleyHttp::enc).toList()),
            null);
    List<PresenceInfo> out = new ArrayList<>();
    for (JsonNode p : n.path("presence")) {
      out.add(as(p, PresenceInfo.class));
    }
    return out;
  }

  // ---- media (F11) ----

  /**
   * Uploads a file (streamed from disk) as raw bytes typed {@code contentType}; {@code kind} is
   * {@code media} (images, audio, video) or {@code document}. The file name is sent as {@code
   * file_name}, which document downloads offer.
   */
  public Api.MediaUploaded uploadMedia(java.nio.file.Path file, String contentType, String kind) {
    try {
      return upload(
          HttpRequest.BodyPublishers.ofFile(file),
          contentType,
          kind,
          file.getFileName().toString());
    } catch (java.io.FileNotFoundException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Uploads bytes as raw content typed {@code contentType} (see the file variant). */
  public Api.MediaUploaded uploadMedia(byte[] bytes, String contentType, String kind) {
    return upload(HttpRequest.BodyPublishers.ofByteArray(bytes), contentType, kind, null);
  }

  private Api.MediaUploaded upload(
      HttpRequest.BodyPublisher body, String contentType, String kind, String fileName) {
    String q = "?kind=" + enc(kind) + (fileName == null ? "" : "&file_name=" + enc(fileName));
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + "/v1/media" + q))
            .timeout(Duration.ofMinutes(10))
            .header("Content-Type", contentType)
            .POST(body);
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<String> resp =
          http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      RawResponse r = new RawResponse(resp.statusCode(), resp.body(), resp.headers());
      if (r.status() != 201) {
        throw toException(r);
      }
      return as(r.json(), Api.MediaUploaded.class);
    } catch (IOException e) {
      throw new UncheckedIOException("upload failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  /** Downloads media (or a signed path from an upload's {@code url}) into memory. */
  public byte[] downloadMedia(String mediaIdOrPath) {
    HttpResponse<java.io.InputStream> r = openMedia(mediaIdOrPath);
    try (java.io.InputStream in = r.body()) {
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Streams media (or a signed path) to a file; returns the byte count. */
  public long downloadMedia(String mediaIdOrPath, java.nio.file.Path target) {
    HttpResponse<java.io.InputStream> r = openMedia(mediaIdOrPath);
    try (java.io.InputStream in = r.body()) {
      return java.nio.file.Files.copy(
          in, target, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private HttpResponse<java.io.InputStream> openMedia(String mediaIdOrPath) {
    String path = mediaIdOrPath.startsWith("/") ? mediaIdOrPath : "/v1/media/" + mediaIdOrPath;
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + path)).timeout(Duration.ofMinutes(10)).GET();
    if (token != null && !path.contains("sig=")) {
      b.header("Authorization", "Bearer " + token);
    }
    try {
      HttpResponse<java.io.InputStream> resp =
          http.send(b.build(), HttpResponse.BodyHandlers.ofInputStream());
      if (resp.statusCode() != 200) {
        try (java.io.InputStream in = resp.body()) {
          throw toException(
              new RawResponse(
                  resp.statusCode(),
                  new String(in.readAllBytes(), StandardCharsets.UTF_8),
                  resp.headers()));
        }
      }
      return resp;
    } catch (IOException e) {
      throw new UncheckedIOException("download failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  // ---- generic ----

  /**
   * Sends a JSON request (body may be null) and returns the parsed response body (a missing node
   * for empty bodies). Non-2xx raises {@link ParleyApiException}.
   */
  public JsonNode call(String method, String path, JsonNode body) {
    RawResponse r = raw(method, path, body == null ? null : Json.write(body), "application/json");
    if (r.status() / 100 != 2) {
      throw toException(r);
    }
    return r.json();
  }

  /** Sends any request and returns the raw response without interpreting the status. */
  public RawResponse raw(String method, String path, String body, String contentType) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(baseUrl + path))
            .timeout(timeout)
            .header("Accept", "application/json");
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (body != null) {
      if (contentType != null) {
        b.header("Content-Type", contentType);
      }
      b.method(method, HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      HttpResponse<String> resp =
          http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
      return new RawResponse(resp.statusCode(), resp.body(), resp.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(method + " " + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted", e));
    }
  }

  static ParleyApiException toException(RawResponse r) {
    String code = "unknown";
    String message = r.body();
    try {
      JsonNode err = r.json().path("error");
      if (err.isObject()) {
        code = err.path("code").asText(code);
        message = err.path("message").asText("");
      }
    } catch (UncheckedIOException ignored) {
      // not JSON: keep the raw body as the message
    }
    Long retryAfter =
        r.headers()
            .firstValue("Retry-After")
            .map(
                v -> {
                  try {
                    return Long.parseLong(v.trim());
                  } catch (NumberFormatException e) {
                    return null;
                  }
                })
            .orElse(null);
    return new ParleyApiException(r.status(), code, message, retryAfter);
  }

  private static <T> T as(JsonNode n, Class<T> type) {
    try {
      return Json.MAPPER.treeToValue(n, type);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static ObjectNode obj() {
    return Json.MAPPER.createObjectNode();
  }

  private static ArrayNode array(List<String> values) {
    ArrayNode a = Json.MAPPER.createArrayNode();
    values.forEach(a::add);
    return a;
  }

  private static String enc(String s) {
    return URLEncoder.encode(s, StandardCharsets.UTF_8);
  }
}
