package io.parley.server.media;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.file.AsyncFile;
import io.vertx.core.file.OpenOptions;
import io.vertx.core.streams.ReadStream;
import java.nio.file.Path;
import java.security.MessageDigest;

/**
 * Streams one upload body into a temp file on the event loop, hashing (SHA-256) and counting as it
 * goes, with backpressure: the source is paused while the file's write queue is full. It never
 * holds more than the file's write queue in memory. It fails with {@code too_large} as soon as the
 * count passes the limit, and with {@code invalid_argument} when no bytes arrive for the idle
 * timeout (e.g. a Content-Length larger than the body actually sent). On any failure the temp file
 * is deleted; on success the caller owns it.
 */
final class UploadReceiver {
  /** A complete upload in a temp file. */
  record Received(Path file, String sha256, long size) {}

  private final Vertx vertx;
  private final Path file;
  private final long limit;
  private final long idleTimeoutMs;
  private final MessageDigest md = Sha256.digest();
  private final Promise<Received> result = Promise.promise();
  private ReadStream<Buffer> source;
  private AsyncFile out;
  private long count;
  private long lastData;
  private long timer = -1;
  private boolean done;
  private boolean backpressured;
  private String endedUnfinished;

  private UploadReceiver(Vertx vertx, Path file, long limit, long idleTimeoutMs) {
    this.vertx = vertx;
    this.file = file;
    this.limit = limit;
    this.idleTimeoutMs = idleTimeoutMs;
  }

  /**
   * Starts receiving {@code source} (which must be paused) into a new file {@code file}. The future
   * completes after the source ended and the file is closed, or fails with an {@link ApiException}.
   */
  static UploadReceiver receive(
      Vertx vertx, ReadStream<Buffer> source, Path file, long limit, long idleTimeoutMs) {
    UploadReceiver r = new UploadReceiver(vertx, file, limit, idleTimeoutMs);
    r.source = source;
    r.lastData = System.nanoTime();
    // handlers first (the source is paused, so nothing is lost), then open the file and resume
    source.handler(r::onData);
    source.endHandler(v -> r.onEnd());
    source.exceptionHandler(
        t -> r.fail(ApiException.invalid("the upload was cut short: " + t.getMessage())));
    long period = Math.max(50, Math.min(250, idleTimeoutMs / 4));
    r.timer = vertx.setPeriodic(period, id -> r.checkIdle());
    vertx
        .fileSystem()
        .open(file.toString(), new OpenOptions().setCreateNew(true).setWrite(true))
        .onComplete(
            ar -> {
              if (ar.failed()) {
                r.fail(ar.cause());
                return;
              }
              r.out = ar.result();
              r.out.exceptionHandler(r::fail);
              if (r.done) {
                r.cleanup();
                return;
              }
              r.lastData = System.nanoTime();
              source.resume();
            });
    return r;
  }

  Future<Received> future() {
    return result.future();
  }

  private void onData(Buffer b) {
    if (done) {
      return;
    }
    lastData = System.nanoTime();
    count += b.length();
    if (count > limit) {
      fail(new ApiException(ErrorCode.TOO_LARGE, "the upload exceeds " + limit + " bytes"));
      return;
    }
    md.update(b.getBytes());
    out.write(b);
    if (out.writeQueueFull()) {
      backpressured = true;
      source.pause();
      out.drainHandler(
          v -> {
            backpressured = false;
            lastData = System.nanoTime();
            source.resume();
          });
    }
  }

  private void onEnd() {
    if (done) {
      return;
    }
    done = true;
    vertx.cancelTimer(timer);
    String sha = Sha256.hex(md.digest());
    long size = count;
    out.close()
        .onComplete(
            ar -> {
              if (ar.failed()) {
                cleanupAndFail(ar.cause());
              } else {
                result.tryComplete(new Received(file, sha, size));
              }
            });
  }

  /**
   * The enclosing request has ended but this source has not (its buffered data may still be
   * flowing): if it delivers nothing more for a short grace, it was cut short (a truncated
   * multipart part) and fails with {@code invalid_argument: message}.
   */
  void enclosingEnded(String message) {
    endedUnfinished = message;
  }

  private static final long ENDED_GRACE_MS = 1000;

  private void checkIdle() {
    if (done || backpressured) {
      return;
    }
    long idleNanos = System.nanoTime() - lastData;
    if (endedUnfinished != null && idleNanos > ENDED_GRACE_MS * 1_000_000L) {
      fail(ApiException.invalid(endedUnfinished));
      return;
    }
    if (idleNanos > idleTimeoutMs * 1_000_000L) {
      fail(
          ApiException.invalid(
              "the upload stalled after "
                  + count
                  + " bytes (body shorter than its Content-Length, or truncated)"));
    }
  }

  private void fail(Throwable t) {
    if (done) {
      return;
    }
    done = true;
    vertx.cancelTimer(timer);
    try {
      source.handler(null);
      source.pause();
    } catch (RuntimeException ignored) {
      // the source may already be closed
    }
    cleanupAndFail(t);
  }

  private void cleanupAndFail(Throwable t) {
    cleanup();
    result.tryFail(t);
  }

  private void cleanup() {
    Future<Void> closed = out == null ? Future.succeededFuture() : out.close();
    closed.eventually(() -> vertx.fileSystem().delete(file.toString()).recover(e -> null));
  }
}
