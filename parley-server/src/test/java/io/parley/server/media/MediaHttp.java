package io.parley.server.media;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.Json;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Random;
import javax.imageio.ImageIO;

/**
 * Media requests made with the JDK's {@link HttpClient} directly (a client we did not write), plus
 * generators of real content (JPEG/PNG via ImageIO, a minimal PDF).
 */
final class MediaHttp {
  private static final HttpClient HTTP =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(10))
          .build();

  private final String base;

  MediaHttp(String base) {
    this.base = base;
  }

  /** A response with its bytes. */
  @SuppressWarnings("ArrayRecordComponent") // never compared or hashed
  record Res(int status, byte[] body, java.net.http.HttpHeaders headers) {
    JsonNode json() {
      return Json.read(new String(body, StandardCharsets.UTF_8), JsonNode.class);
    }

    String header(String name) {
      return headers.firstValue(name).orElse(null);
    }

    String errorCode() {
      return json().path("error").path("code").asText();
    }
  }

  Res send(HttpRequest.Builder b) {
    try {
      HttpResponse<byte[]> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofByteArray());
      return new Res(r.statusCode(), r.body(), r.headers());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    }
  }

  HttpRequest.Builder req(String path, String token) {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(60));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    return b;
  }

  /** A raw upload. */
  Res upload(String token, String kind, String contentType, byte[] bytes) {
    return send(
        req("/v1/media?kind=" + kind, token)
            .header("Content-Type", contentType)
            .POST(HttpRequest.BodyPublishers.ofByteArray(bytes)));
  }

  /** A multipart upload with the content in part {@code field}. */
  Res multipart(
      String token, String kind, String field, String fileName, String contentType, byte[] bytes) {
    String boundary = "----parley" + Long.toHexString(new Random().nextLong());
    byte[] body = multipartBody(boundary, field, fileName, contentType, bytes, true);
    return send(
        req("/v1/media?kind=" + kind, token)
            .header("Content-Type", "multipart/form-data; boundary=" + boundary)
            .POST(HttpRequest.BodyPublishers.ofByteArray(body)));
  }

  static byte[] multipartBody(
      String boundary,
      String field,
      String fileName,
      String contentType,
      byte[] bytes,
      boolean closed) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String head =
        "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\"note\"\r\n\r\nhello\r\n"
            + "--"
            + boundary
            + "\r\nContent-Disposition: form-data; name=\""
            + field
            + "\"; filename=\""
            + fileName
            + "\"\r\nContent-Type: "
            + contentType
            + "\r\n\r\n";
    out.writeBytes(head.getBytes(StandardCharsets.UTF_8));
    out.writeBytes(bytes);
    if (closed) {
      out.writeBytes(("\r\n--" + boundary + "--\r\n").getBytes(StandardCharsets.UTF_8));
    }
    return out.toByteArray();
  }

  Res get(String path, String token, String... headers) {
    HttpRequest.Builder b = req(path, token).GET();
    if (headers.length > 0) {
      b.headers(headers);
    }
    return send(b);
  }

  // ---- content ----

  static byte[] image(String format, int w, int h, long seed) {
    BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
    Graphics2D g = img.createGraphics();
    Random r = new Random(seed);
    for (int i = 0; i < 20; i++) {
      g.setColor(new Color(r.nextInt(0xFFFFFF)));
      g.fillRect(r.nextInt(w), r.nextInt(h), 1 + r.nextInt(w), 1 + r.nextInt(h));
    }
    g.dispose();
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    try {
      if (!ImageIO.write(img, format, out)) {
        throw new IllegalStateException("no writer for " + format);
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out.toByteArray();
  }

  /** A small valid PDF with {@code text} in it (distinct text: distinct bytes). */
  static byte[] pdf(String text) {
    String s =
        "%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 2 0 R >> endobj\n"
            + "2 0 obj << /Type /Pages /Kids [] /Count 0 >> endobj\n% "
            + text
            + "\ntrailer << /Root 1 0 R >>\n%%EOF\n";
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  /** A deterministic pseudo-random stream of {@code size} bytes (never held in memory). */
  static java.io.InputStream generated(long size, long seed) {
    return new java.io.InputStream() {
      final java.util.SplittableRandom r = new java.util.SplittableRandom(seed);
      long left = size;

      @Override
      public int read() {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
      }

      @Override
      public int read(byte[] b, int off, int len) {
        if (left <= 0) {
          return -1;
        }
        int n = (int) Math.min(len, left);
        for (int i = 0; i < n; i += 8) {
          long v = r.nextLong();
          for (int k = 0; k < 8 && i + k < n; k++) {
            b[off + i + k] = (byte) (v >>> (8 * k));
          }
        }
        left -= n;
        return n;
      }
    };
  }
}
