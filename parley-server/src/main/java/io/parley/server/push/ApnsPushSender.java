package io.parley.server.push;

import com.auth0.jwt.JWT;
import com.auth0.jwt.algorithms.Algorithm;
import io.parley.protocol.Json;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpClientOptions;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.HttpVersion;
import io.vertx.core.http.RequestOptions;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.interfaces.ECPrivateKey;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Apple Push Notification service over HTTP/2 with token-based auth: an ES256 JWT ({@code kid} =
 * key id, {@code iss} = team id, {@code iat}) signed with the team's .p8 key, re-signed every 50
 * minutes (Apple rejects tokens older than an hour). A send is {@code POST /3/device/{token}} with
 * {@code apns-topic}, {@code apns-push-type: alert}, {@code apns-priority: 10} and {@code
 * apns-collapse-id} (the conversation). An {@code https} base URL uses TLS with ALPN h2
 * (production); {@code http} uses cleartext HTTP/2 with prior knowledge (local test servers). 410,
 * or 400 {@code BadDeviceToken}/{@code DeviceTokenNotForTopic}: the token is gone; 403 {@code
 * ExpiredProviderToken}: the JWT is re-signed and the send retried.
 */
public final class ApnsPushSender implements PushSender, AutoCloseable {
  private static final long JWT_REFRESH_MS = 50 * 60_000L;

  private final HttpClient client;
  private final Context context;
  private final String baseUrl;
  private final String topic;
  private final String teamId;
  private final String keyId;
  private final Algorithm signer;
  private final Duration timeout;
  private final Clock clock;
  private String jwt;
  private long jwtIssuedAt;

  public ApnsPushSender(
      Vertx vertx,
      String teamId,
      String keyId,
      Path p8File,
      String topic,
      String baseUrl,
      Duration timeout,
      Clock clock) {
    ECPrivateKey key;
    try {
      key = (ECPrivateKey) Pem.privateKey(Files.readString(p8File), "EC");
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read APNs key " + p8File);
    }
    this.signer = Algorithm.ECDSA256(null, key);
    this.teamId = teamId;
    this.keyId = keyId;
    this.topic = topic;
    this.baseUrl = FcmPushSender.stripSlash(baseUrl);
    this.timeout = timeout;
    this.clock = clock;
    boolean tls = URI.create(this.baseUrl).getScheme().equals("https");
    HttpClientOptions o =
        new HttpClientOptions()
            .setProtocolVersion(HttpVersion.HTTP_2)
            .setConnectTimeout((int) timeout.toMillis())
            .setIdleTimeout(300);
    if (tls) {
      o.setSsl(true).setUseAlpn(true);
    } else {
      o.setHttp2ClearTextUpgrade(false);
    }
    this.client = vertx.createHttpClient(o);
    // Every exchange runs on this one event loop, the HTTP/2 connection's. Called from a push
    // worker thread, each request would otherwise get a fresh context on another loop, and the
    // response could end on the connection's loop before body() was attached on ours: the body
    // future then never completed (a send hung until its await ran out; vert.x issue 5904).
    this.context = vertx.getOrCreateContext();
  }

  @Override
  public String provider() {
    return "apns";
  }

  /** The provider JWT, re-signed when older than 50 minutes (or when {@code force}). */
  synchronized String providerToken(boolean force) {
    long now = clock.millis();
    if (force || jwt == null || now - jwtIssuedAt >= JWT_REFRESH_MS) {
      jwt =
          JWT.create()
              .withKeyId(keyId)
              .withIssuer(teamId)
              .withIssuedAt(Instant.ofEpochSecond(now / 1000))
              .sign(signer);
      jwtIssuedAt = now;
    }
    return jwt;
  }

  @Override
  public Result send(String token, Notification n) {
    Map<String, Object> alert = new LinkedHashMap<>();
    alert.put("title", n.title());
    alert.put("body", n.body());
    Map<String, Object> aps = new LinkedHashMap<>();
    aps.put("alert", alert);
    aps.put("thread-id", n.collapseKey());
    aps.put("sound", "default");
    Map<String, Object> payload = new LinkedHashMap<>();
    payload.put("aps", aps);
    payload.putAll(n.data());
    RequestOptions ro =
        new RequestOptions()
            .setMethod(HttpMethod.POST)
            .setAbsoluteURI(baseUrl + "/3/device/" + token)
            .setTimeout(timeout.toMillis())
            .putHeader("authorization", "bearer " + providerToken(false))
            .putHeader("apns-topic", topic)
            .putHeader("apns-push-type", "alert")
            .putHeader("apns-priority", "10")
            .putHeader("apns-collapse-id", n.collapseKey())
            .putHeader("content-type", "application/json");
    Buffer body = Buffer.buffer(Json.write(payload));
    Promise<Answer> answer = Promise.promise();
    context.runOnContext(
        v ->
            client
                .request(ro)
                .compose(req -> req.send(body))
                .compose(
                    resp ->
                        resp.body()
                            .map(
                                b ->
                                    new Answer(
                                        resp.statusCode(),
                                        resp.getHeader("retry-after"),
                                        b.toString())))
                .onComplete(answer));
    try {
      Answer a = answer.future().await(timeout.toMillis() + 1000, TimeUnit.MILLISECONDS);
      String reason = reason(a.body());
      if (a.status() == 410
          || (a.status() == 400
              && (reason.equals("BadDeviceToken") || reason.equals("DeviceTokenNotForTopic")))) {
        return Result.invalidToken("HTTP " + a.status() + " " + reason);
      }
      if (a.status() == 403
          && (reason.equals("ExpiredProviderToken") || reason.equals("InvalidProviderToken"))) {
        providerToken(true);
        return Result.retry(null, "HTTP 403 " + reason);
      }
      return Result.ofStatus(a.status(), Result.retryAfter(a.retryAfter()), reason);
    } catch (Exception e) {
      return Result.retry(null, "network: " + e);
    }
  }

  private static String reason(String body) {
    if (body == null || body.isBlank()) {
      return "";
    }
    try {
      return Json.MAPPER.readTree(body).path("reason").asText("");
    } catch (IOException e) {
      return "";
    }
  }

  private record Answer(int status, String retryAfter, String body) {}

  @Override
  public void close() {
    client.close();
  }
}
