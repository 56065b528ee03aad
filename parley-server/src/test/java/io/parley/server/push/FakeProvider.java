package io.parley.server.push;

import io.vertx.core.MultiMap;
import io.vertx.core.Vertx;
import io.vertx.core.http.HttpServer;
import io.vertx.core.http.HttpServerOptions;
import io.vertx.core.http.HttpVersion;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A real local HTTP server standing in for a push provider (FCM, APNs, a webhook): it records every
 * request and answers what the test scripted. It speaks HTTP/1.1 and cleartext HTTP/2 (prior
 * knowledge or upgrade).
 */
public final class FakeProvider implements AutoCloseable {
  /** A received request. */
  public record Request(
      String method, String path, MultiMap headers, String body, HttpVersion version, long at) {
    public String header(String name) {
      return headers.get(name);
    }
  }

  /** A scripted answer. */
  public record Answer(int status, Map<String, String> headers, String body) {
    public static Answer of(int status, String body) {
      return new Answer(status, Map.of(), body);
    }
  }

  private final Vertx vertx = Vertx.vertx();
  private final HttpServer server;
  public final CopyOnWriteArrayList<Request> requests = new CopyOnWriteArrayList<>();
  private volatile Function<Request, Answer> handler = r -> Answer.of(200, "{}");

  public FakeProvider() {
    try {
      server =
          vertx
              .createHttpServer(new HttpServerOptions().setHost("127.0.0.1").setPort(0))
              .requestHandler(
                  req ->
                      req.body()
                          .onSuccess(
                              b -> {
                                Request r =
                                    new Request(
                                        req.method().name(),
                                        req.path(),
                                        MultiMap.caseInsensitiveMultiMap().addAll(req.headers()),
                                        b.toString(),
                                        req.version(),
                                        System.currentTimeMillis());
                                requests.add(r);
                                Answer a;
                                try {
                                  a = handler.apply(r);
                                } catch (RuntimeException | AssertionError e) {
                                  a = Answer.of(599, "fake provider check failed: " + e);
                                }
                                var resp = req.response().setStatusCode(a.status());
                                a.headers().forEach(resp::putHeader);
                                resp.putHeader("content-type", "application/json").end(a.body());
                              }))
              .listen()
              .await(10, TimeUnit.SECONDS);
    } catch (Exception e) {
      throw new IllegalStateException(e);
    }
  }

  /** Sets how requests are answered (a throwing check answers 599). */
  public void answer(Function<Request, Answer> h) {
    this.handler = h;
  }

  /** Parses JSON, failing the check (an unchecked exception) if it is not JSON. */
  public static com.fasterxml.jackson.databind.JsonNode json(String text) {
    try {
      return io.parley.protocol.Json.MAPPER.readTree(text);
    } catch (java.io.IOException e) {
      throw new IllegalArgumentException("not JSON: " + text, e);
    }
  }

  public String url() {
    return "http://127.0.0.1:" + server.actualPort();
  }

  public long count(String pathPrefix) {
    return requests.stream().filter(r -> r.path().startsWith(pathPrefix)).count();
  }

  @Override
  public void close() {
    vertx.close();
  }
}
