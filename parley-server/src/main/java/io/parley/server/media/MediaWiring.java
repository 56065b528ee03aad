package io.parley.server.media;

import io.parley.server.api.Authenticator;
import io.parley.server.config.ParleyConfig;
import io.parley.server.messaging.MessagingService;
import io.parley.server.store.Database;
import io.vertx.ext.web.Router;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.LongSupplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Wiring of the media feature (F11): the blob store chosen by {@code media.store}, the media
 * service, its routes, and the media check of message bodies. Owns the blob store and the download
 * threads.
 */
public final class MediaWiring implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(MediaWiring.class);

  private final MediaService service;
  private final MediaRoutes routes;
  private final BlobStore blobs;
  private final ExecutorService io;
  private final MediaRetention retention;

  private MediaWiring(
      MediaService service,
      MediaRoutes routes,
      BlobStore blobs,
      ExecutorService io,
      MediaRetention retention) {
    this.service = service;
    this.routes = routes;
    this.blobs = blobs;
    this.io = io;
    this.retention = retention;
  }

  /**
   * Builds the feature and installs the media check on {@code messaging}.
   *
   * @param jwtKey the JWT signing key, from which the signed-URL key is derived when {@code
   *     media.url_secret} is empty
   */
  public static MediaWiring build(
      ParleyConfig cfg,
      Database db,
      Authenticator auth,
      MessagingService messaging,
      byte[] jwtKey,
      LongSupplier ids,
      Clock clock) {
    System.setProperty("java.awt.headless", "true");
    ParleyConfig.Media m = cfg.media();
    Path dir =
        m.dir() == null || m.dir().isBlank()
            ? Path.of(cfg.store().dataDir()).resolve("media")
            : Path.of(m.dir());
    Path tmp = dir.resolve("tmp");
    sweep(tmp);
    BlobStore blobs =
        switch (m.store()) {
          case "filesystem" -> new FilesystemBlobStore(dir);
          case "s3" ->
              new S3BlobStore(
                  m.s3Endpoint(),
                  m.s3Region(),
                  m.s3Bucket(),
                  m.s3AccessKey(),
                  m.s3SecretKey(),
                  "",
                  tmp);
          default -> throw new IllegalArgumentException("unknown media.store: " + m.store());
        };
    log.info("media blobs: {}", blobs.describe());
    MediaService service =
        new MediaService(
            new MediaStore(db),
            blobs,
            new Thumbnailer(m.thumbnailSize(), m.maxImageSide(), m.maxImagePixels()),
            UrlSigner.of(m.urlSecret(), jwtKey),
            m,
            ids,
            clock);
    messaging.setMediaCheck(service::checkUsable);
    ExecutorService io = pool();
    MediaRetention retention =
        new MediaRetention(db, blobs, TimeUnit.HOURS.toMillis(m.orphanGraceHours()), 500);
    return new MediaWiring(service, new MediaRoutes(service, auth, io, tmp), blobs, io, retention);
  }

  /** Deletes temp files left by a previous run (uploads cut by a crash). */
  private static void sweep(Path tmp) {
    try {
      Files.createDirectories(tmp);
      try (Stream<Path> files = Files.list(tmp)) {
        for (Path p : (Iterable<Path>) files::iterator) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot prepare " + tmp, e);
    }
  }

  private static ExecutorService pool() {
    AtomicInteger n = new AtomicInteger();
    ThreadPoolExecutor pool =
        new ThreadPoolExecutor(
            64,
            64,
            60,
            TimeUnit.SECONDS,
            new LinkedBlockingQueue<>(100_000),
            r -> {
              Thread t = new Thread(r, "parley-media-" + n.incrementAndGet());
              t.setDaemon(true);
              return t;
            });
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }

  public void mount(Router router) {
    routes.mount(router);
  }

  /** The retention listener collecting media no message references (F15). */
  public MediaRetention retention() {
    return retention;
  }

  public MediaService service() {
    return service;
  }

  @Override
  public void close() {
    io.shutdownNow();
    blobs.close();
  }
}
