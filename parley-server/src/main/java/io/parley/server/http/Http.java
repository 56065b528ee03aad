package io.parley.server.http;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Principal;
import io.vertx.core.Handler;
import io.vertx.core.buffer.Buffer;
import io.vertx.ext.web.RoutingContext;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * REST plumbing shared by every feature: JSON request parsing with precise errors, blocking
 * handlers run off the event loop, authentication, and the error body of API.md.
 */
public final class Http {
  private static final Logger log = LoggerFactory.getLogger(Http.class);
  private static final String PRINCIPAL = "parley.principal";

  private Http() {}

  /** A handler body that may block (store access); returns the response. */
  @FunctionalInterface
  public interface BlockingRoute {
    Response handle(RoutingContext ctx) throws Exception;
  }

  /** A response: status plus JSON body (null body: no content). */
  public record Response(int status, Object body) {
    public static Response ok(Object body) {
      return new Response(200, body);
    }

    public static Response created(Object body) {
      return new Response(201, body);
    }

    public static Response noContent() {
      return new Response(204, null);
    }
  }

  /** Wraps a blocking route: runs it on a worker thread and writes its response or error. */
  public static Handler<RoutingContext> blocking(BlockingRoute route) {
    return ctx ->
        ctx.vertx()
            .executeBlocking(
                () -> {
                  // log context of the request (set by OpsWiring) on the worker thread
                  String rid = ctx.get("request_id");
                  if (rid == null) {
                    return route.handle(ctx);
                  }
                  org.slf4j.MDC.put("request_id", rid);
                  try {
                    return route.handle(ctx);
                  } finally {
                    org.slf4j.MDC.remove("request_id");
                  }
                },
                false)
            .onComplete(
                ar -> {
                  if (ar.succeeded()) {
                    write(ctx, ar.result());
                  } else {
                    fail(ctx, ar.cause());
                  }
                });
  }

  /** Requires a bearer token; stores the principal for {@link #principal}. */
  public static Handler<RoutingContext> requireAuth(Authenticator auth) {
    return ctx -> {
      String header = ctx.request().getHeader("Authorization");
      if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
        fail(ctx, ApiException.unauthorized("missing bearer token"));
        return;
      }
      String token = header.substring(7).trim();
      ctx.vertx()
          .executeBlocking(() -> auth.authenticate(token), false)
          .onComplete(
              ar -> {
                if (ar.succeeded()) {
                  ctx.put(PRINCIPAL, ar.result());
                  ctx.next();
                } else {
                  fail(ctx, ar.cause());
                }
              });
    };
  }

  public static Principal principal(RoutingContext ctx) {
    Principal p = ctx.get(PRINCIPAL);
    if (p == null) {
      throw ApiException.unauthorized("not authenticated");
    }
    return p;
  }

  /**
   * The request body as a JSON object, or {@code invalid_argument}. Parsed strictly ({@link
   * StrictJson}: no trailing content, no duplicate keys) with messages free of parser internals.
   */
  public static ObjectNode bodyObject(RoutingContext ctx) {
    Buffer b = ctx.body() == null ? null : ctx.body().buffer();
    if (b == null || b.length() == 0) {
      throw ApiException.invalid("request body must be a JSON object");
    }
    JsonNode n = StrictJson.parse(b.getBytes(), ErrorCode.INVALID_ARGUMENT);
    if (n == null || !n.isObject()) {
      throw ApiException.invalid("request body must be a JSON object");
    }
    return (ObjectNode) n;
  }

  /** Writes a response. */
  public static void write(RoutingContext ctx, Response r) {
    if (ctx.response().ended()) {
      return;
    }
    ctx.response().setStatusCode(r.status());
    if (r.body() == null) {
      ctx.response().end();
    } else {
      ctx.response()
          .putHeader("Content-Type", "application/json")
          .end(r.body() instanceof String s ? s : Json.write(r.body()));
    }
  }

  /** Writes the API.md error body for {@code t}; unexpected exceptions become {@code internal}. */
  public static void fail(RoutingContext ctx, Throwable t) {
    if (ctx.response().ended()) {
      return;
    }
    while ((t instanceof java.util.concurrent.CompletionException
            || t instanceof java.util.concurrent.ExecutionException)
        && t.getCause() != null) {
      t = t.getCause();
    }
    ApiException e;
    if (t instanceof ApiException ae) {
      e = ae;
    } else {
      log.error("request {} {} failed", ctx.request().method(), ctx.request().path(), t);
      e = new ApiException(ErrorCode.INTERNAL, "internal error");
    }
    if (e.retryAfterMs() != null) {
      ctx.response()
          .putHeader("Retry-After", Long.toString(Math.max(1, (e.retryAfterMs() + 999) / 1000)));
    }
    ctx.response()
        .setStatusCode(e.code().httpStatus())
        .putHeader("Content-Type", "application/json")
        .end(Json.write(errorBody(e.code(), e.getMessage())));
  }

  public static Map<String, Object> errorBody(ErrorCode code, String message) {
    return Map.of("error", Map.of("code", code.wire(), "message", message));
  }

  /** Failure handler for errors raised by Vert.x itself (e.g. body too large): API.md body. */
  public static void failByStatus(RoutingContext ctx) {
    if (ctx.failure() != null
        && !(ctx.failure() instanceof io.vertx.ext.web.handler.HttpException)) {
      fail(ctx, ctx.failure());
      return;
    }
    int status = ctx.statusCode() > 0 ? ctx.statusCode() : 500;
    ErrorCode code =
        switch (status) {
          case 400 -> ErrorCode.INVALID_ARGUMENT;
          case 401 -> ErrorCode.UNAUTHORIZED;
          case 403 -> ErrorCode.FORBIDDEN;
          case 404 -> ErrorCode.NOT_FOUND;
          case 405 -> ErrorCode.METHOD_NOT_ALLOWED;
          case 408 -> ErrorCode.REQUEST_TIMEOUT;
          case 413 -> ErrorCode.TOO_LARGE;
          case 415 -> ErrorCode.UNSUPPORTED_MEDIA_TYPE;
          case 429 -> ErrorCode.RATE_LIMITED;
          default -> status < 500 ? ErrorCode.INVALID_ARGUMENT : ErrorCode.INTERNAL;
        };
    String message = status == 413 ? "request body too large" : code.wire().replace('_', ' ');
    fail(ctx, new ApiException(code, message));
  }
}
