package io.parley.server.media;

import io.parley.server.api.ApiException;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.nio.file.Path;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReadParam;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;

/**
 * JPEG thumbnails of JPEG, PNG and GIF images with {@code javax.imageio}. The decode is bounded:
 * the dimensions are read from the image header first and an image larger than {@code maxSide} on a
 * side or {@code maxPixels} in total is refused (a decompression bomb would otherwise allocate
 * gigabytes); big images are decoded subsampled, so the decoded raster stays near twice the
 * thumbnail size.
 */
public final class Thumbnailer {
  private final int size;
  private final int maxSide;
  private final long maxPixels;

  public Thumbnailer(int size, int maxSide, long maxPixels) {
    this.size = size;
    this.maxSide = maxSide;
    this.maxPixels = maxPixels;
  }

  /** Whether thumbnails are made for a content type. */
  public static boolean supports(String contentType) {
    return contentType.equals("image/jpeg")
        || contentType.equals("image/png")
        || contentType.equals("image/gif");
  }

  /**
   * The JPEG thumbnail bytes of the image in {@code file}. Throws {@code invalid_argument} for an
   * image whose header declares too many pixels or that cannot be decoded.
   */
  public byte[] thumbnail(Path file) throws IOException {
    try (ImageInputStream in = ImageIO.createImageInputStream(file.toFile())) {
      Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
      if (in == null || !readers.hasNext()) {
        throw ApiException.invalid("the image cannot be decoded");
      }
      ImageReader reader = readers.next();
      try {
        reader.setInput(in, true, true);
        int w;
        int h;
        try {
          w = reader.getWidth(0);
          h = reader.getHeight(0);
        } catch (IOException | RuntimeException e) {
          throw ApiException.invalid("the image header cannot be read");
        }
        if (w <= 0 || h <= 0 || w > maxSide || h > maxSide || (long) w * h > maxPixels) {
          throw ApiException.invalid(
              "image of "
                  + w
                  + "x"
                  + h
                  + " pixels exceeds the limit ("
                  + maxSide
                  + " a side, "
                  + maxPixels
                  + " in total)");
        }
        ImageReadParam param = reader.getDefaultReadParam();
        int sub = Math.max(1, Math.max(w, h) / (2 * size));
        param.setSourceSubsampling(sub, sub, 0, 0);
        BufferedImage src;
        try {
          src = reader.read(0, param);
        } catch (IOException | RuntimeException e) {
          throw ApiException.invalid("the image cannot be decoded");
        }
        return scale(src);
      } finally {
        reader.dispose();
      }
    }
  }

  private byte[] scale(BufferedImage src) throws IOException {
    double f = Math.min(1.0, (double) size / Math.max(src.getWidth(), src.getHeight()));
    int tw = Math.max(1, (int) Math.round(src.getWidth() * f));
    int th = Math.max(1, (int) Math.round(src.getHeight() * f));
    BufferedImage out = new BufferedImage(tw, th, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = out.createGraphics();
    try {
      g.setRenderingHint(
          RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
      g.setColor(Color.WHITE);
      g.fillRect(0, 0, tw, th);
      g.drawImage(src, 0, 0, tw, th, null);
    } finally {
      g.dispose();
    }
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    if (!ImageIO.write(out, "jpeg", bytes)) {
      throw new IOException("no JPEG writer");
    }
    return bytes.toByteArray();
  }
}
