package io.parley.server.media;

/**
 * One upload: a media row pointing at a blob. {@code kind} is "media", "document" or "thumbnail";
 * {@code thumbnailOf} is the image a thumbnail was made from (0 if none), {@code thumbnailId} the
 * thumbnail of an image (0 if none).
 */
public record MediaRecord(
    long id,
    long ownerId,
    String sha256,
    String kind,
    String contentType,
    long size,
    String fileName,
    long thumbnailOf,
    long thumbnailId,
    long createdAt) {

  /** The media whose references decide who may read this one: the image for a thumbnail. */
  public long accessId() {
    return thumbnailOf != 0 ? thumbnailOf : id;
  }
}
