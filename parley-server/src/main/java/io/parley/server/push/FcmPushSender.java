package io.parley.server.push;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.RSAPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Firebase Cloud Messaging, HTTP v1 API. Auth is the OAuth2 service-account flow: a JWT signed
 * RS256 with the service account's private key ({@code iss} = client_email, {@code aud} =
 * token_uri, scope firebase.messaging) is exchanged at the token URI for an access token, cached
 * until a minute before it expires. A send is {@code POST
 * {base}/v1/projects/{project}/messages:send} with {@code {"message": {"token", "notification",
 * "data", "android", "apns"}}}. 404 or an {@code UNREGISTERED} error: the token is gone; 401: the
 * access token is dropped and the send retried.
 */
public final class FcmPushSender implements PushSender {
  static final String SCOPE = "https://www.googleapis.com/auth/firebase.messaging";

  private final URI sendUri;
  private final URI tokenUri;
  private final String clientEmail;
  private final Algorithm signer;
  private final HttpClient http;
  private final Duration timeout;
  private final Clock clock;
  private String accessToken;
  private long accessTokenExpiresAt;

  public FcmPushSender(
      String projectId, Path serviceAccountFile, String baseUrl, Duration timeout, Clock clock) {
    JsonNode sa;
    try {
      sa = Json.MAPPER.readTree(Files.readString(serviceAccountFile));
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read FCM service account " + serviceAccountFile);
    }
    this.clientEmail = sa.path("client_email").asText();
    this.tokenUri = URI.create(sa.path("token_uri").asText("https://oauth2.googleapis.com/token"));
    RSAPrivateKey key = (RSAPrivateKey) Pem.privateKey(sa.path("private_key").asText(), "RSA");
    this.signer = Algorithm.RSA256(null, key);
    String project = projectId.isBlank() ? sa.path("project_id").asText() : projectId;
    this.sendUri = URI.create(stripSlash(baseUrl) + "/v1/projects/" + project + "/messages:send");
    this.timeout = timeout;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public String provider() {
    return "fcm";
  }

  @Override
  public Result send(String token, Notification n) {
    try {
      String bearer = accessToken();
      if (bearer == null) {
        return Result.retry(null, "no FCM access token");
      }
      HttpResponse<String> r = http.send(message(bearer, token, n), ofString());
      int s = r.statusCode();
      String body = r.body();
      if (s == 401) {
        invalidateAccessToken();
        return Result.retry(null, "HTTP 401 access token rejected");
      }
      if (s == 404 || (s >= 400 && s < 500 && body != null && body.contains("UNREGISTERED"))) {
        return Result.invalidToken("HTTP " + s + " UNREGISTERED");
      }
      return Result.ofStatus(
          s,
          Result.retryAfter(r.headers().firstValue("Retry-After").orElse(null)),
          WebhookPushSender.abbreviate(body));
    } catch (IOException e) {
      return Result.retry(null, "network: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.retry(null, "interrupted");
    }
  }

  private HttpRequest message(String bearer, String token, Notification n) {
    Map<String, Object> message = new LinkedHashMap<>();
    message.put("token", token);
    message.put("notification", Map.of("title", n.title(), "body", n.body()));
    message.put("data", n.data());
    message.put("android", Map.of("collapse_key", n.collapseKey()));
    message.put("apns", Map.of("headers", Map.of("apns-collapse-id", n.collapseKey())));
    return HttpRequest.newBuilder(sendUri)
        .timeout(timeout)
        .header("Authorization", "Bearer " + bearer)
        .header("Content-Type", "application/json; charset=UTF-8")
        .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("message", message))))
        .build();
  }

  /** The cached access token, or a fresh one from the token URI; null if the exchange failed. */
  private synchronized String accessToken() throws IOException, InterruptedException {
    long now = clock.millis();
    if (accessToken != null && now < accessTokenExpiresAt - 60_000) {
      return accessToken;
    }
    Instant iat = Instant.ofEpochMilli(now);
    String assertion =
        JWT.create()
            .withIssuer(clientEmail)
            .withAudience(tokenUri.toString())
            .withClaim("scope", SCOPE)
            .withIssuedAt(iat)
            .withExpiresAt(iat.plusSeconds(3600))
            .sign(signer);
    String form =
        "grant_type="
            + URLEncoder.encode(
                "urn:ietf:params:oauth:grant-type:jwt-bearer", StandardCharsets.UTF_8)
            + "&assertion="
            + URLEncoder.encode(assertion, StandardCharsets.UTF_8);
    HttpResponse<String> r =
        http.send(
            HttpRequest.newBuilder(tokenUri)
                .timeout(timeout)
                .header("Content-Type", "application/x-www-form-urlencoded")
                .POST(HttpRequest.BodyPublishers.ofString(form))
                .build(),
            ofString());
    if (r.statusCode() != 200) {
      return null;
    }
    JsonNode t = Json.MAPPER.readTree(r.body());
    accessToken = t.path("access_token").asText(null);
    accessTokenExpiresAt = now + t.path("expires_in").asLong(3600) * 1000;
    return accessToken;
  }

  private synchronized void invalidateAccessToken() {
    accessToken = null;
  }

  private static HttpResponse.BodyHandler<String> ofString() {
    return HttpResponse.BodyHandlers.ofString();
  }

  static String stripSlash(String url) {
    return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
  }
}
