package io.parley.server.media;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Principal;
import io.parley.server.http.Http;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerFileUpload;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.streams.ReadStream;
import io.vertx.ext.web.RoutingContext;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;

/**
 * {@code POST /v1/media}: a streamed upload, raw (the body, typed by {@code Content-Type}) or
 * {@code multipart/form-data} (the part named {@code file}). It is mounted ahead of the global body
 * handler, so the body is never buffered: the request is paused on arrival, the caller
 * authenticated, a Content-Length over the limit refused with 413 before a byte is read, and the
 * body streamed to a temp file by {@link UploadReceiver}. Rejections while a body is still coming
 * close the connection after the response.
 */
final class MediaUploadRoute {
  private final MediaService media;
  private final Authenticator auth;
  private final ExecutorService blocking;
  private final Path tmpDir;

  MediaUploadRoute(MediaService media, Authenticator auth, ExecutorService blocking, Path tmpDir) {
    this.media = media;
    this.auth = auth;
    this.blocking = blocking;
    this.tmpDir = tmpDir;
  }

  void handle(RoutingContext ctx) {
    HttpServerRequest req = ctx.request();
    req.pause();
    String kind = req.getParam("kind", MediaService.MEDIA);
    long limit;
    try {
      limit = media.limit(kind);
      String cl = req.getHeader("Content-Length");
      if (cl != null) {
        long declared;
        try {
          declared = Long.parseLong(cl.trim());
        } catch (NumberFormatException e) {
          throw ApiException.invalid("bad Content-Length");
        }
        if (declared > limit + (isMultipart(req) ? 64 * 1024 : 0)) {
          throw new ApiException(
              ErrorCode.TOO_LARGE,
              "Content-Length " + declared + " exceeds the " + kind + " limit of " + limit);
        }
      }
    } catch (ApiException e) {
      reject(ctx, e);
      return;
    }
    String header = req.getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      reject(ctx, ApiException.unauthorized("missing bearer token"));
      return;
    }
    String token = header.substring(7).trim();
    Vertx vertx = ctx.vertx();
    vertx
        .executeBlocking(() -> auth.authenticate(token), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                reject(ctx, ar.cause());
                return;
              }
              try {
                start(ctx, ar.result(), kind, limit);
              } catch (RuntimeException e) {
                reject(ctx, e);
              }
            });
  }

  private static boolean isMultipart(HttpServerRequest req) {
    String ct = req.getHeader("Content-Type");
    return ct != null && Sniffer.base(ct).equals("multipart/form-data");
  }

  private void start(RoutingContext ctx, Principal p, String kind, long limit) {
    HttpServerRequest req = ctx.request();
    Vertx vertx = ctx.vertx();
    long idle = media.config().uploadIdleTimeoutMs();
    Path file = tmpDir.resolve("upload-" + UUID.randomUUID() + ".part");
    if ("100-continue".equalsIgnoreCase(req.getHeader("Expect"))) {
      ctx.response().writeContinue();
    }
    if (!isMultipart(req)) {
      String type = req.getHeader("Content-Type");
      if (type == null || Sniffer.base(type).isEmpty()) {
        throw ApiException.invalid("Content-Type is required (or use multipart field 'file')");
      }
      String fileName = checkFileName(req.getParam("file_name"));
      ReadStream<Buffer> body = req;
      UploadReceiver.receive(vertx, body, file, limit, idle)
          .future()
          .onComplete(ar -> finish(ctx, p, kind, type, fileName, ar.result(), ar.cause()));
      return;
    }
    req.setExpectMultipart(true);
    UploadReceiver[] active = new UploadReceiver[1];
    boolean[] seen = new boolean[1];
    boolean[] uploadEnded = new boolean[1];
    req.uploadHandler(
        (HttpServerFileUpload up) -> {
          if (!"file".equals(up.name()) || seen[0]) {
            up.handler(b -> {}); // other parts are read and dropped
            return;
          }
          seen[0] = true;
          up.pause();
          String fileName = checkFileNameOrNull(up.filename());
          String type = up.contentType();
          active[0] = UploadReceiver.receive(vertx, new Ended(up, uploadEnded), file, limit, idle);
          active[0]
              .future()
              .onComplete(ar -> finish(ctx, p, kind, type, fileName, ar.result(), ar.cause()));
        });
    req.exceptionHandler(
        t -> {
          if (!seen[0]) {
            reject(ctx, ApiException.invalid("malformed multipart body: " + t.getMessage()));
          }
        });
    req.endHandler(
        v -> {
          if (!seen[0]) {
            reject(ctx, ApiException.invalid("multipart field 'file' is required"));
          } else if (!uploadEnded[0] && active[0] != null) {
            active[0].enclosingEnded("truncated multipart body: the file part has no end boundary");
          }
        });
    req.resume();
  }

  private void finish(
      RoutingContext ctx,
      Principal p,
      String kind,
      String type,
      String fileName,
      UploadReceiver.Received r,
      Throwable failure) {
    if (failure != null) {
      reject(ctx, failure);
      return;
    }
    Future.<MediaService.Uploaded>fromCompletionStage(
            java.util.concurrent.CompletableFuture.supplyAsync(
                () -> {
                  try {
                    return media.store(
                        p.userId(), kind, type, fileName, r.file(), r.sha256(), r.size());
                  } catch (java.io.IOException e) {
                    throw new java.io.UncheckedIOException(e);
                  } finally {
                    try {
                      java.nio.file.Files.deleteIfExists(r.file());
                    } catch (java.io.IOException ignored) {
                      // best effort; tmp is swept on start
                    }
                  }
                },
                blocking),
            ctx.vertx().getOrCreateContext())
        .onComplete(
            ar -> {
              if (ar.failed()) {
                reject(ctx, ar.cause());
              } else {
                Http.write(ctx, Http.Response.created(json(ar.result())));
              }
            });
  }

  /** The response body of an upload. */
  Map<String, Object> json(MediaService.Uploaded u) {
    MediaRecord m = u.media();
    Map<String, Object> out = new LinkedHashMap<>();
    out.put("media_id", Long.toString(m.id()));
    out.put("sha256", m.sha256());
    out.put("size", m.size());
    out.put("content_type", m.contentType());
    out.put("kind", m.kind());
    if (m.fileName() != null) {
      out.put("file_name", m.fileName());
    }
    MediaService.SignedUrl url = media.signedUrl(m.id(), media.config().urlTtlSeconds());
    out.put("url", url.path());
    out.put("url_expires_at", url.expiresAt());
    if (u.thumbnail() != null) {
      out.put("thumbnail_id", Long.toString(u.thumbnail().id()));
      out.put("thumbnail_url", "/v1/media/" + m.id() + "/thumbnail");
    }
    return out;
  }

  private static String checkFileName(String name) {
    if (name == null) {
      return null;
    }
    String n = checkFileNameOrNull(name);
    if (n == null) {
      throw ApiException.invalid("file_name must be 1..255 characters without control characters");
    }
    return n;
  }

  /** A usable file name (path stripped, no control characters, ≤ 255 chars), or null. */
  private static String checkFileNameOrNull(String name) {
    if (name == null) {
      return null;
    }
    String n = name.substring(Math.max(name.lastIndexOf('/'), name.lastIndexOf('\\')) + 1).strip();
    if (n.isEmpty() || n.length() > 255 || n.chars().anyMatch(c -> c < 0x20 || c == 0x7f)) {
      return null;
    }
    return n;
  }

  /** How long, and how many bytes, a rejected upload's body is still read and dropped. */
  private static final long LINGER_MS = 2000;

  private static final long LINGER_BYTES = 8L * 1024 * 1024;

  /**
   * Writes an error. When the request body has not been read completely, the response says {@code
   * Connection: close} and, once written, the connection lingers: what the client is still sending
   * is read and dropped (at most {@link #LINGER_BYTES}, at most {@link #LINGER_MS}) before the
   * socket is closed. Closing at once, with unread bytes in the socket, would reset the connection
   * and can destroy the response before the client (or the front door) has read it.
   */
  static void reject(RoutingContext ctx, Throwable t) {
    if (ctx.response().ended() || ctx.response().closed()) {
      return;
    }
    HttpServerRequest req = ctx.request();
    if (!req.isEnded()) {
      ctx.response().putHeader("Connection", "close");
      ctx.response().endHandler(v -> linger(ctx.vertx(), req));
    }
    Http.fail(ctx, t);
  }

  private static void linger(Vertx vertx, HttpServerRequest req) {
    long timer = vertx.setTimer(LINGER_MS, id -> req.connection().close());
    long[] dropped = new long[1];
    try {
      req.handler(
          b -> {
            dropped[0] += b.length();
            if (dropped[0] > LINGER_BYTES) {
              req.pause();
            }
          });
      req.endHandler(
          v -> {
            vertx.cancelTimer(timer);
            req.connection().close();
          });
      req.resume();
    } catch (IllegalStateException e) {
      vertx.cancelTimer(timer);
      req.connection().close();
    }
  }

  /** A file upload stream that reports its end to a flag before passing it on. */
  @SuppressWarnings("ArrayRecordComponent") // a shared mutable flag, never compared
  private record Ended(HttpServerFileUpload up, boolean[] flag) implements ReadStream<Buffer> {
    @Override
    public ReadStream<Buffer> exceptionHandler(io.vertx.core.Handler<Throwable> h) {
      up.exceptionHandler(h);
      return this;
    }

    @Override
    public ReadStream<Buffer> handler(io.vertx.core.Handler<Buffer> h) {
      up.handler(h);
      return this;
    }

    @Override
    public ReadStream<Buffer> pause() {
      up.pause();
      return this;
    }

    @Override
    public ReadStream<Buffer> resume() {
      up.resume();
      return this;
    }

    @Override
    public ReadStream<Buffer> fetch(long amount) {
      up.fetch(amount);
      return this;
    }

    @Override
    public ReadStream<Buffer> endHandler(io.vertx.core.Handler<Void> h) {
      up.endHandler(
          v -> {
            flag[0] = true;
            if (h != null) {
              h.handle(null);
            }
          });
      return this;
    }
  }
}
