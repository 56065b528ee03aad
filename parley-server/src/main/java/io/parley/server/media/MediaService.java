package io.parley.server.media;

import io.parley.protocol.ErrorCode;
import io.parley.server.api.ApiException;
import io.parley.server.config.ParleyConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.LongSupplier;

/**
 * Media logic behind the routes: finishing an upload (type check, thumbnail, dedup into the blob
 * store, rows), read authorization, signed URLs, and the check that a message's {@code media_id} is
 * the sender's own upload. Every method may block (store, blob store): call it off the event loop,
 * except {@link #checkUsable} on a cached owner.
 */
public final class MediaService {
  /** Upload kinds accepted by {@code POST /v1/media?kind=}. */
  public static final String MEDIA = "media";

  public static final String DOCUMENT = "document";

  private static final int OWNER_CACHE_MAX = 200_000;

  private final MediaStore store;
  private final BlobStore blobs;
  private final Thumbnailer thumbnails;
  private final UrlSigner signer;
  private final ParleyConfig.Media cfg;
  private final LongSupplier ids;
  private final Clock clock;
  private final Map<Long, Long> owners = new ConcurrentHashMap<>();

  /** The outcome of an upload. */
  public record Uploaded(MediaRecord media, MediaRecord thumbnail) {}

  public MediaService(
      MediaStore store,
      BlobStore blobs,
      Thumbnailer thumbnails,
      UrlSigner signer,
      ParleyConfig.Media cfg,
      LongSupplier ids,
      Clock clock) {
    this.store = store;
    this.blobs = blobs;
    this.thumbnails = thumbnails;
    this.signer = signer;
    this.cfg = cfg;
    this.ids = ids;
    this.clock = clock;
  }

  /** The upload limit in bytes of a kind; {@code invalid_argument} for an unknown kind. */
  public long limit(String kind) {
    return switch (kind) {
      case MEDIA -> cfg.maxMediaBytes();
      case DOCUMENT -> cfg.maxDocumentBytes();
      default -> throw ApiException.invalid("kind must be media or document");
    };
  }

  public ParleyConfig.Media config() {
    return cfg;
  }

  public MediaStore store() {
    return store;
  }

  public BlobStore blobs() {
    return blobs;
  }

  /**
   * Stores a completely received upload: {@code temp} holds {@code size} bytes hashing to {@code
   * sha256}. Checks the declared type against the content (415 {@code unsupported_media_type} on a
   * mismatch, or for non image/audio/video content with {@code kind=media}), rejects an empty
   * upload (400), makes a thumbnail of JPEG/PNG/GIF images (400 for an image over the pixel
   * limits), puts the blob (once per content) and writes the rows. The temp file is consumed or
   * left for the caller to delete.
   */
  public Uploaded store(
      long ownerId,
      String kind,
      String declaredType,
      String fileName,
      Path temp,
      String sha256,
      long size)
      throws IOException {
    if (size == 0) {
      throw ApiException.invalid("the upload is empty");
    }
    byte[] prefix = new byte[Sniffer.PREFIX];
    int n;
    try (InputStream in = Files.newInputStream(temp)) {
      n = in.readNBytes(prefix, 0, prefix.length);
    }
    String sniffed = Sniffer.sniff(prefix, n);
    String type = Sniffer.accepts(declaredType, sniffed);
    if (type == null) {
      throw new ApiException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          sniffed == null
              ? "unrecognized content (declared " + Sniffer.base(declaredType) + ")"
              : "declared type "
                  + Sniffer.base(declaredType)
                  + " does not match the content ("
                  + sniffed
                  + ")");
    }
    if (kind.equals(MEDIA) && !Sniffer.isMediaKind(type)) {
      throw new ApiException(
          ErrorCode.UNSUPPORTED_MEDIA_TYPE,
          "kind=media takes images, audio and video; upload " + type + " with kind=document");
    }
    byte[] thumb = Thumbnailer.supports(type) ? thumbnails.thumbnail(temp) : null;

    long now = clock.millis();
    long id = ids.getAsLong();
    if (!blobs.exists(sha256)) {
      blobs.putFile(sha256, temp);
    }
    if (thumb == null) {
      MediaRecord m = new MediaRecord(id, ownerId, sha256, kind, type, size, fileName, 0, 0, now);
      store.insert(m);
      remember(id, ownerId);
      return new Uploaded(m, null);
    }
    String thumbSha = Sha256.of(thumb);
    if (!blobs.exists(thumbSha)) {
      blobs.put(thumbSha, thumb.length, new ByteArrayInputStream(thumb));
    }
    long thumbId = ids.getAsLong();
    MediaRecord m =
        new MediaRecord(id, ownerId, sha256, kind, type, size, fileName, 0, thumbId, now);
    MediaRecord t =
        new MediaRecord(
            thumbId, ownerId, thumbSha, "thumbnail", "image/jpeg", thumb.length, null, id, 0, now);
    store.insertWithThumbnail(m, t);
    remember(id, ownerId);
    return new Uploaded(m, t);
  }

  private void remember(long mediaId, long ownerId) {
    if (owners.size() >= OWNER_CACHE_MAX) {
      owners.clear();
    }
    owners.put(mediaId, ownerId);
  }

  /**
   * Checks that {@code userId} may reference media {@code mediaId} in a message: it must be an
   * upload of that user (not a thumbnail); {@code not_found} otherwise (whether it exists is not
   * revealed). Uses a cache of owners filled by uploads; a miss reads the store once.
   */
  public void checkUsable(long userId, long mediaId) {
    Long owner = owners.get(mediaId);
    if (owner == null) {
      long o = store.owner(mediaId);
      if (o != 0) {
        remember(mediaId, o);
      }
      owner = o;
    }
    if (owner != userId) {
      throw ApiException.notFound("no such media: " + mediaId + " (media_id must be your upload)");
    }
  }

  /**
   * The media {@code userId} may read: an own upload, or media (or the thumbnail of media)
   * referenced by a message in a conversation the user is a member of. {@code not_found} otherwise.
   */
  public MediaRecord readable(long userId, long mediaId) {
    MediaRecord m = store.find(mediaId).orElseThrow(() -> ApiException.notFound("no such media"));
    if (m.ownerId() == userId || store.sharedWith(m.accessId(), userId)) {
      return m;
    }
    throw ApiException.notFound("no such media");
  }

  /** The media of a valid, unexpired signed URL; {@code not_found} otherwise. */
  public MediaRecord readableBySignature(long mediaId, long expSeconds, String sig) {
    if (!signer.verify(mediaId, expSeconds, sig)) {
      throw ApiException.notFound("no such media (bad signature)");
    }
    if (expSeconds * 1000 <= clock.millis()) {
      throw ApiException.notFound("no such media (the link expired)");
    }
    return store.find(mediaId).orElseThrow(() -> ApiException.notFound("no such media"));
  }

  /** The file name to offer for a download by {@code userId}: upload name, else message's name. */
  public String fileName(MediaRecord m, long userId) {
    if (m.fileName() != null) {
      return m.fileName();
    }
    return userId == 0 ? null : store.sharedFileName(m.id(), userId).orElse(null);
  }

  /** A signed URL path for media, valid for {@code ttlSeconds} (capped by configuration). */
  public SignedUrl signedUrl(long mediaId, long ttlSeconds) {
    long ttl = Math.max(1, Math.min(ttlSeconds, cfg.urlTtlSeconds()));
    long exp = clock.millis() / 1000 + ttl;
    return new SignedUrl(signer.path(mediaId, exp), exp);
  }

  /** A signed URL path and its expiry (Unix seconds). */
  public record SignedUrl(String path, long expiresAt) {}

  public long nowMillis() {
    return clock.millis();
  }
}
