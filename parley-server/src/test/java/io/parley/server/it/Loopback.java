package io.parley.server.it;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A JDK {@link HttpClient} whose connections come from their own loopback address (127.0.x.y; all
 * of 127/8 is local on Linux), so per-IP limits can be tested without one test using up another's
 * budget. Requests are plain JDK calls: a client we did not write.
 */
final class Loopback implements AutoCloseable {
  private static final AtomicInteger NEXT = new AtomicInteger(2);

  final String ip;
  final HttpClient http;
  private final String base;

  private Loopback(String ip, String base) {
    this.ip = ip;
    this.base = base;
    try {
      this.http =
          HttpClient.newBuilder()
              .localAddress(InetAddress.getByName(ip))
              .connectTimeout(Duration.ofSeconds(10))
              .build();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A client on a loopback address no other caller got. */
  static Loopback fresh(String baseUrl) {
    int n = NEXT.getAndIncrement();
    return new Loopback("127.0." + (n / 250) + "." + (1 + n % 250), baseUrl);
  }

  HttpResponse<String> send(String method, String path, String token, String json) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(10));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    if (json != null) {
      b.header("Content-Type", "application/json");
      b.method(method, HttpRequest.BodyPublishers.ofString(json, StandardCharsets.UTF_8));
    } else {
      b.method(method, HttpRequest.BodyPublishers.noBody());
    }
    try {
      return http.send(b.build(), HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpResponse<String> post(String path, String token, Object body) {
    return send("POST", path, token, Json.write(body));
  }

  HttpResponse<String> signup(String username) {
    return post(
        "/v1/auth/signup",
        null,
        java.util.Map.of("username", username, "password", "correct horse battery"));
  }

  HttpResponse<String> login(String username, String password) {
    return post(
        "/v1/auth/login", null, java.util.Map.of("username", username, "password", password));
  }

  static JsonNode json(HttpResponse<String> r) {
    return Json.read(r.body(), JsonNode.class);
  }

  @Override
  public void close() {
    http.shutdownNow(); // close() would wait for open WebSockets
  }
}
