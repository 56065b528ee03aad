package io.parley.server.push;

import io.parley.protocol.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.time.Clock;
import java.time.Duration;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Generic webhook: POSTs {@code {token, title, body, collapse_key, count, data}} as JSON to one
 * URL. The receiver verifies {@code X-Parley-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256 of
 * "t.body" with the shared secret>} (also sent as {@code X-Parley-Timestamp}) and should reject old
 * timestamps. 2xx: sent; 404/410: the token is unknown (removed); 429/5xx: retried.
 */
public final class WebhookPushSender implements PushSender {
  private final URI url;
  private final byte[] secret;
  private final HttpClient http;
  private final Duration timeout;
  private final Clock clock;

  public WebhookPushSender(String url, String secret, Duration timeout, Clock clock) {
    this.url = URI.create(url);
    this.secret = secret.getBytes(StandardCharsets.UTF_8);
    this.timeout = timeout;
    this.clock = clock;
    this.http = HttpClient.newBuilder().connectTimeout(timeout).build();
  }

  @Override
  public String provider() {
    return "webhook";
  }

  /** {@code t=<seconds>,v1=<hex HMAC-SHA256(secret, "<seconds>.<body>")>}. */
  public static String signature(byte[] secret, long seconds, String body) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] sig = mac.doFinal((seconds + "." + body).getBytes(StandardCharsets.UTF_8));
      return "t=" + seconds + ",v1=" + HexFormat.of().formatHex(sig);
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException(e);
    }
  }

  @Override
  public Result send(String token, Notification n) {
    Map<String, Object> body = new LinkedHashMap<>();
    body.put("token", token);
    body.put("title", n.title());
    body.put("body", n.body());
    body.put("collapse_key", n.collapseKey());
    body.put("count", n.count());
    body.put("data", n.data());
    String json = Json.write(body);
    long seconds = clock.millis() / 1000;
    HttpRequest req =
        HttpRequest.newBuilder(url)
            .timeout(timeout)
            .header("Content-Type", "application/json")
            .header("X-Parley-Timestamp", Long.toString(seconds))
            .header("X-Parley-Signature", signature(secret, seconds, json))
            .POST(HttpRequest.BodyPublishers.ofString(json))
            .build();
    try {
      HttpResponse<String> r = http.send(req, HttpResponse.BodyHandlers.ofString());
      if (r.statusCode() == 404 || r.statusCode() == 410) {
        return Result.invalidToken("HTTP " + r.statusCode());
      }
      return Result.ofStatus(
          r.statusCode(),
          Result.retryAfter(r.headers().firstValue("Retry-After").orElse(null)),
          abbreviate(r.body()));
    } catch (java.io.IOException e) {
      return Result.retry(null, "network: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Result.retry(null, "interrupted");
    }
  }

  static String abbreviate(String s) {
    return s == null ? "" : s.length() > 200 ? s.substring(0, 200) : s;
  }
}
