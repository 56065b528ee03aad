package io.parley.server.media;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.server.api.ApiException;
import io.parley.server.api.Authenticator;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.http.Http;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpServerResponse;
import io.vertx.ext.web.Router;
import io.vertx.ext.web.RoutingContext;
import java.io.InputStream;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Media REST routes: upload ({@link MediaUploadRoute}), download with Range / ETag, thumbnails and
 * signed URLs. Downloads are streamed from the blob store on a worker thread, one chunk in flight
 * at a time, so a download never holds more than a chunk in memory.
 *
 * <p>Download authorization: the bearer's user must be the uploader or a current member of a
 * conversation where a message references the media; anything else is 404 (never 403, so ids reveal
 * nothing). A signed URL ({@code ?exp=&sig=}) needs no bearer and is cacheable publicly until it
 * expires.
 */
public final class MediaRoutes {
  private static final int CHUNK = 256 * 1024;

  private final MediaService media;
  private final Authenticator auth;
  private final ExecutorService blocking;
  private final MediaUploadRoute upload;

  public MediaRoutes(
      MediaService media, Authenticator auth, ExecutorService blocking, java.nio.file.Path tmpDir) {
    this.media = media;
    this.auth = auth;
    this.blocking = blocking;
    this.upload = new MediaUploadRoute(media, auth, blocking, tmpDir);
  }

  public void mount(Router r) {
    // ahead of the global BodyHandler on /v1/* (order 0): the upload body is streamed, not buffered
    r.post("/v1/media").order(-10).handler(upload::handle);
    r.get("/v1/media/:media_id").handler(ctx -> download(ctx, false));
    r.get("/v1/media/:media_id/thumbnail").handler(ctx -> download(ctx, true));
    r.post("/v1/media/:media_id/url")
        .handler(Http.requireAuth(auth))
        .handler(Http.blocking(this::signUrl));
  }

  private Http.Response signUrl(RoutingContext ctx) {
    Principal p = Http.principal(ctx);
    long id = Fields.parseId(ctx.pathParam("media_id"), "media_id");
    MediaRecord m = media.readable(p.userId(), id);
    long ttl = media.config().urlTtlSeconds();
    if (ctx.body() != null && ctx.body().length() > 0) {
      JsonNode body = Http.bodyObject(ctx);
      JsonNode t = body.get("ttl_seconds");
      if (t != null && !t.isNull()) {
        if (!t.isIntegralNumber() || t.asLong() <= 0) {
          throw ApiException.invalid("ttl_seconds must be a positive integer");
        }
        ttl = t.asLong();
      }
    }
    MediaService.SignedUrl url = media.signedUrl(m.id(), ttl);
    return Http.Response.ok(Map.of("url", url.path(), "expires_at", url.expiresAt()));
  }

  private void download(RoutingContext ctx, boolean thumbnail) {
    String sig = ctx.request().getParam("sig");
    String exp = ctx.request().getParam("exp");
    if (sig != null || exp != null) {
      long expSeconds;
      try {
        expSeconds = Long.parseLong(exp == null ? "" : exp);
      } catch (NumberFormatException e) {
        Http.fail(ctx, ApiException.invalid("exp must be Unix seconds"));
        return;
      }
      serve(ctx, thumbnail, 0, expSeconds, sig);
      return;
    }
    String header = ctx.request().getHeader("Authorization");
    if (header == null || !header.regionMatches(true, 0, "Bearer ", 0, 7)) {
      Http.fail(ctx, ApiException.unauthorized("missing bearer token (or use a signed URL)"));
      return;
    }
    String token = header.substring(7).trim();
    ctx.vertx()
        .executeBlocking(() -> auth.authenticate(token), false)
        .onComplete(
            ar -> {
              if (ar.failed()) {
                Http.fail(ctx, ar.cause());
              } else {
                serve(ctx, thumbnail, ar.result().userId(), 0, null);
              }
            });
  }

  private void serve(
      RoutingContext ctx, boolean thumbnail, long userId, long expSeconds, String sig) {
    Vertx vertx = ctx.vertx();
    HttpServerResponse res = ctx.response();
    String rangeHeader = ctx.request().getHeader("Range");
    String ifNoneMatch = ctx.request().getHeader("If-None-Match");
    blocking.execute(
        () -> {
          InputStream in = null;
          try {
            long id = Fields.parseId(ctx.pathParam("media_id"), "media_id");
            MediaRecord m =
                sig != null
                    ? media.readableBySignature(id, expSeconds, sig)
                    : media.readable(userId, id);
            if (thumbnail) {
              if (m.thumbnailId() == 0) {
                throw ApiException.notFound("this media has no thumbnail");
              }
              m = media.store().find(m.thumbnailId()).orElseThrow();
            }
            String etag = "\"" + m.sha256() + "\"";
            res.putHeader("ETag", etag);
            res.putHeader("Accept-Ranges", "bytes");
            res.putHeader("X-Content-Type-Options", "nosniff");
            // opened directly in a browser, the content can run nothing
            res.putHeader("Content-Security-Policy", "default-src 'none'; sandbox");
            if (sig != null) {
              long maxAge = Math.max(0, expSeconds - media.nowMillis() / 1000);
              res.putHeader("Cache-Control", "public, max-age=" + maxAge);
            } else {
              res.putHeader("Cache-Control", "private, max-age=0, must-revalidate");
            }
            if (ifNoneMatch != null && matches(ifNoneMatch, etag)) {
              vertx.runOnContext(v -> res.setStatusCode(304).end());
              return;
            }
            long size = m.size();
            long[] range = Ranges.parse(rangeHeader, size);
            if (range == Ranges.UNSATISFIABLE) {
              res.putHeader("Content-Range", "bytes */" + size);
              vertx.runOnContext(
                  v ->
                      res.setStatusCode(416)
                          .putHeader("Content-Type", "application/json")
                          .end(
                              io.parley.protocol.Json.write(
                                  Http.errorBody(
                                      io.parley.protocol.ErrorCode.INVALID_ARGUMENT,
                                      "range not satisfiable: " + rangeHeader))));
              return;
            }
            long start = range == null ? 0 : range[0];
            long length = range == null ? size : range[1] - range[0] + 1;
            res.putHeader("Content-Type", m.contentType());
            if (m.kind().equals(MediaService.DOCUMENT)) {
              res.putHeader("Content-Disposition", disposition(media.fileName(m, userId)));
            }
            res.putHeader("Content-Length", Long.toString(length));
            if (range != null) {
              res.setStatusCode(206);
              res.putHeader("Content-Range", "bytes " + range[0] + "-" + range[1] + "/" + size);
            } else {
              res.setStatusCode(200);
            }
            in = media.blobs().get(m.sha256(), start, length);
            byte[] buf = new byte[CHUNK];
            long left = length;
            while (left > 0) {
              int n = in.readNBytes(buf, 0, (int) Math.min(buf.length, left));
              if (n <= 0) {
                throw new java.io.EOFException("blob shorter than its record");
              }
              left -= n;
              Buffer chunk = Buffer.buffer(n).appendBytes(buf, 0, n);
              res.write(chunk).toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
            }
            res.end();
          } catch (Throwable t) {
            if (!res.headWritten()) {
              Throwable e = t;
              vertx.runOnContext(v -> Http.fail(ctx, e));
            } else {
              res.reset();
            }
          } finally {
            if (in != null) {
              try {
                in.close();
              } catch (java.io.IOException ignored) {
                // closing a read stream
              }
            }
          }
        });
  }

  private static boolean matches(String ifNoneMatch, String etag) {
    for (String t : ifNoneMatch.split(",")) {
      String s = t.strip();
      if (s.startsWith("W/")) {
        s = s.substring(2);
      }
      if (s.equals(etag) || s.equals("*")) {
        return true;
      }
    }
    return false;
  }

  /** {@code attachment; filename="..."; filename*=UTF-8''...} (RFC 6266). */
  static String disposition(String fileName) {
    if (fileName == null) {
      return "attachment";
    }
    String ascii = fileName.replaceAll("[^\\x20-\\x7e]", "_").replace("\\", "_").replace("\"", "_");
    String encoded = URLEncoder.encode(fileName, StandardCharsets.UTF_8).replace("+", "%20");
    return "attachment; filename=\"" + ascii + "\"; filename*=UTF-8''" + encoded;
  }
}
