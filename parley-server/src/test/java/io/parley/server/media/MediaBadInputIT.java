package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import java.util.zip.CRC32;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bad uploads get a precise error and store nothing: no media row, no blob file, no temp file left
 * (checked after every test). Raw-socket requests send what a well-behaved client would not.
 */
class MediaBadInputIT {
  static TestNode node;
  static MediaHttp http;
  static TestUser alice;
  long rowsBefore;
  List<Path> blobsBefore;

  @BeforeAll
  static void start() {
    node = TestNode.start(Map.of("media.upload_idle_timeout_ms", "1000"));
    http = new MediaHttp(node.baseUrl());
    alice = node.user("alice");
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static MediaService media() {
    return node.node().wiring().media().service();
  }

  private static String token() {
    return alice.session().accessToken();
  }

  private static List<Path> files(Path dir) throws IOException {
    try (Stream<Path> s = Files.walk(dir)) {
      return s.filter(Files::isRegularFile).sorted().toList();
    }
  }

  @BeforeEach
  void snapshot() throws IOException {
    rowsBefore = media().store().count();
    blobsBefore = files(node.dataDir().resolve("media"));
  }

  @AfterEach
  void nothingStored() throws IOException {
    assertThat(media().store().count()).as("media rows").isEqualTo(rowsBefore);
    // temp files are deleted asynchronously after the response
    Awaitility.await()
        .atMost(Duration.ofSeconds(10))
        .untilAsserted(
            () -> assertThat(files(node.dataDir().resolve("media"))).isEqualTo(blobsBefore));
  }

  private static void assertError(MediaHttp.Res r, int status, String code) {
    assertThat(r.status()).as(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo(status);
    assertThat(r.errorCode()).isEqualTo(code);
  }

  @Test
  void wrongKindsAndTypes() {
    byte[] pdf = MediaHttp.pdf("bad");
    assertError(
        http.upload(token(), "media", "application/pdf", pdf), 415, "unsupported_media_type");
    assertError(http.upload(token(), "bogus", "application/pdf", pdf), 400, "invalid_argument");
    assertError(
        http.upload(token(), "document", "image/png", "just text".getBytes(StandardCharsets.UTF_8)),
        415,
        "unsupported_media_type");
    byte[] binary = {0x00, 0x01, 0x02, (byte) 0xfe, 0x7f, 0x00};
    assertError(
        http.upload(token(), "document", "application/octet-stream", binary),
        415,
        "unsupported_media_type");
    assertError(
        http.multipart(token(), "document", "file", "x.exe", "application/x-msdownload", binary),
        415,
        "unsupported_media_type");
  }

  @Test
  void lyingContentTypeIs415() {
    byte[] jpeg = MediaHttp.image("jpeg", 20, 20, 1);
    assertError(http.upload(token(), "media", "image/png", jpeg), 415, "unsupported_media_type");
    assertError(
        http.multipart(token(), "media", "file", "a.gif", "image/gif", jpeg),
        415,
        "unsupported_media_type");
  }

  @Test
  void emptyMissingTypeAndMissingPart() {
    assertError(http.upload(token(), "media", "image/png", new byte[0]), 400, "invalid_argument");
    assertError(
        http.send(
            http.req("/v1/media", token())
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(new byte[] {1, 2}))),
        400,
        "invalid_argument");
    assertError(
        http.multipart(
            token(), "media", "photo", "a.jpg", "image/jpeg", MediaHttp.image("jpeg", 8, 8, 2)),
        400,
        "invalid_argument");
    assertError(http.upload(null, "media", "image/png", new byte[] {1}), 401, "unauthorized");
  }

  @Test
  void imageBombsAreRefusedFromTheirHeader() {
    byte[] png = MediaHttp.image("png", 16, 16, 3);
    byte[] bomb = withPngSize(png, 60_000, 60_000);
    MediaHttp.Res r = http.upload(token(), "media", "image/png", bomb);
    assertError(r, 400, "invalid_argument");
    assertThat(r.json().path("error").path("message").asText()).contains("60000x60000");
  }

  @Test
  void truncatedMultipartIs400() throws Exception {
    String boundary = "b0undary";
    byte[] body =
        MediaHttp.multipartBody(
            boundary, "file", "a.png", "image/png", MediaHttp.image("png", 30, 30, 4), false);
    Raw r =
        raw(
            "POST /v1/media?kind=media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token()
                + "\r\nContent-Type: multipart/form-data; boundary="
                + boundary
                + "\r\nContent-Length: "
                + body.length
                + "\r\n\r\n",
            body,
            false);
    assertThat(r.status).as(r.text).isEqualTo(400);
    assertThat(r.text).contains("invalid_argument").contains("truncated multipart");
  }

  @Test
  void bodyShorterThanContentLengthIs400AfterTheIdleTimeout() throws Exception {
    byte[] part = MediaHttp.image("jpeg", 40, 40, 5);
    Raw r =
        raw(
            "POST /v1/media?kind=media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token()
                + "\r\nContent-Type: image/jpeg\r\nContent-Length: "
                + (part.length + 1000)
                + "\r\n\r\n",
            part,
            false);
    assertThat(r.status).as(r.text).isEqualTo(400);
    assertThat(r.text).contains("invalid_argument").contains("stalled");
    assertThat(r.headers.toLowerCase(java.util.Locale.ROOT)).contains("connection: close");
  }

  @Test
  void aClientThatHangsUpMidBodyLeavesNothing() throws Exception {
    byte[] part = MediaHttp.image("jpeg", 40, 40, 6);
    try (Socket s = new Socket("127.0.0.1", node.node().port())) {
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /v1/media?kind=media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + token()
                  + "\r\nContent-Type: image/jpeg\r\nContent-Length: "
                  + (part.length * 10)
                  + "\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      out.write(part);
      out.flush();
      // the temp file exists while the upload is under way
      Awaitility.await()
          .atMost(Duration.ofSeconds(5))
          .until(() -> files(node.dataDir().resolve("media").resolve("tmp")).size() == 1);
    }
    // @AfterEach: the temp file is gone and nothing was stored
  }

  @Test
  void documentOver100MiBIs413BeforeTheBodyIsSent() throws Exception {
    long size = 101L * 1024 * 1024;
    Raw r =
        raw(
            "POST /v1/media?kind=document HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token()
                + "\r\nContent-Type: application/pdf\r\nContent-Length: "
                + size
                + "\r\n\r\n",
            new byte[0],
            false);
    assertThat(r.status).as(r.text).isEqualTo(413);
    assertThat(r.text).contains("too_large");
    // and with Expect: 100-continue (as curl sends it) the client is told before sending
    Raw e =
        raw(
            "POST /v1/media?kind=media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                + token()
                + "\r\nContent-Type: image/jpeg\r\nExpect: 100-continue\r\nContent-Length: "
                + (17L * 1024 * 1024)
                + "\r\n\r\n",
            new byte[0],
            false);
    assertThat(e.status).as(e.text).isEqualTo(413);
  }

  @Test
  void mediaStreamedWithoutLengthIs413WhenTheCountPasses16MiB() throws Exception {
    long limit = 16L * 1024 * 1024;
    // The client may get up to: what the server reads (the limit, then at most 8 MiB dropped while
    // the 413 lingers) + the server socket's receive buffer + the client's send buffer. The kernel
    // sizes the receive buffer itself (up to tcp_rmem's max: 32 MiB on some machines), so the
    // stream offered is far larger than that sum: a server that kept reading would take it all.
    long total = 512L * 1024 * 1024;
    long bound = limit + 8L * 1024 * 1024 + kernelBufferMax("tcp_rmem") + 2L * 1024 * 1024;
    try (Socket s = new Socket()) {
      s.setSendBufferSize(256 * 1024);
      s.connect(new java.net.InetSocketAddress("127.0.0.1", node.node().port()));
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(
          ("POST /v1/media?kind=media HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                  + token()
                  + "\r\nContent-Type: image/jpeg\r\nTransfer-Encoding: chunked\r\n\r\n")
              .getBytes(StandardCharsets.US_ASCII));
      long[] sent = new long[1];
      boolean[] cut = new boolean[1];
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                byte[] chunk = new byte[64 * 1024];
                chunk[0] = (byte) 0xFF;
                chunk[1] = (byte) 0xD8;
                chunk[2] = (byte) 0xFF;
                byte[] head =
                    (Integer.toHexString(chunk.length) + "\r\n").getBytes(StandardCharsets.UTF_8);
                try {
                  while (sent[0] < total) {
                    out.write(head);
                    out.write(chunk);
                    out.write("\r\n".getBytes(StandardCharsets.UTF_8));
                    sent[0] += chunk.length;
                  }
                  out.write("0\r\n\r\n".getBytes(StandardCharsets.UTF_8));
                  out.flush();
                } catch (IOException e) {
                  cut[0] = true; // expected: the server closes the connection after its 413
                }
              });
      Raw r = Raw.read(s.getInputStream());
      assertThat(r.status).as(r.text).isEqualTo(413);
      assertThat(r.text).contains("too_large");
      writer.get();
      // the server stopped reading at the limit and closed: the stream was cut far from its end
      assertThat(cut[0]).as("the server closed the connection").isTrue();
      assertThat(sent[0]).as("bytes the client got to send").isGreaterThan(limit).isLessThan(bound);
    }
  }

  /** The largest buffer the kernel may give a TCP socket (the third field of net.ipv4.KEY). */
  private static long kernelBufferMax(String key) {
    try {
      String[] f = Files.readString(Path.of("/proc/sys/net/ipv4/" + key)).trim().split("\\s+");
      return Long.parseLong(f[2]);
    } catch (IOException | RuntimeException e) {
      return 64L * 1024 * 1024; // not Linux: assume a generous kernel
    }
  }

  // ---- raw HTTP ----

  record Raw(int status, String headers, String text) {
    static Raw read(InputStream in) throws IOException {
      ByteArrayOutputStream buf = new ByteArrayOutputStream();
      int contentLength = -1;
      int headerEnd = -1;
      byte[] b = new byte[4096];
      while (true) {
        int n = in.read(b);
        if (n < 0) {
          break;
        }
        buf.write(b, 0, n);
        String s = buf.toString(StandardCharsets.ISO_8859_1);
        if (headerEnd < 0 && s.contains("\r\n\r\n")) {
          headerEnd = s.indexOf("\r\n\r\n") + 4;
          var m = java.util.regex.Pattern.compile("(?i)content-length: *([0-9]+)").matcher(s);
          contentLength = m.find() ? Integer.parseInt(m.group(1)) : 0;
        }
        if (headerEnd >= 0 && buf.size() >= headerEnd + contentLength) {
          break;
        }
      }
      String s = buf.toString(StandardCharsets.UTF_8);
      if (headerEnd < 0) {
        throw new IOException("no HTTP response: " + s);
      }
      int status = Integer.parseInt(s.substring(9, 12));
      return new Raw(status, s.substring(0, headerEnd), s.substring(headerEnd));
    }
  }

  private static Raw raw(String head, byte[] body, boolean close) throws IOException {
    try (Socket s = new Socket("127.0.0.1", node.node().port())) {
      s.setSoTimeout(30_000);
      OutputStream out = s.getOutputStream();
      out.write(head.getBytes(StandardCharsets.US_ASCII));
      out.write(body);
      out.flush();
      if (close) {
        s.shutdownOutput();
      }
      Raw r = Raw.read(s.getInputStream());
      // a 100 Continue never comes before a rejection
      assertThat(r.status).isNotEqualTo(100);
      return r;
    }
  }

  /** A copy of a PNG whose IHDR declares another size (with a valid CRC). */
  private static byte[] withPngSize(byte[] png, int w, int h) {
    byte[] out = png.clone();
    ByteBuffer b = ByteBuffer.wrap(out);
    b.putInt(16, w);
    b.putInt(20, h);
    CRC32 crc = new CRC32();
    crc.update(out, 12, 17); // "IHDR" + 13 data bytes
    b.putInt(29, (int) crc.getValue());
    return out;
  }
}
