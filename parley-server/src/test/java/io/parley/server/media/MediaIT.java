package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Bodies;
import io.parley.client.ParleyApiException;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Media end to end on a real node, with the JDK HttpClient: raw and multipart uploads, dedup,
 * download authorization (uploader, members after a message references it, 404 otherwise), Range,
 * ETag, Content-Disposition, thumbnails, signed URLs and the media_id check of message bodies.
 */
class MediaIT {
  static TestNode node;
  static MediaHttp http;

  @BeforeAll
  static void start() {
    node = TestNode.start();
    http = new MediaHttp(node.baseUrl());
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private static MediaService media() {
    return node.node().wiring().media().service();
  }

  private static String token(TestUser u) {
    return u.session().accessToken();
  }

  private static String send(TestUser u, String conv, JsonNode body) {
    return u.http().sendRest(conv, UUID.randomUUID().toString(), body).messageId();
  }

  @Test
  void rawUploadThenUploaderDownloadsTheSameBytesWithHeaders() {
    TestUser alice = node.user("alice");
    byte[] jpeg = MediaHttp.image("jpeg", 640, 480, 1);
    MediaHttp.Res up = http.upload(token(alice), "media", "image/jpeg", jpeg);
    assertThat(up.status()).as(new String(up.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    JsonNode j = up.json();
    assertThat(j.path("sha256").asText()).isEqualTo(Sha256.of(jpeg));
    assertThat(j.path("size").asLong()).isEqualTo(jpeg.length);
    assertThat(j.path("content_type").asText()).isEqualTo("image/jpeg");
    assertThat(j.path("media_id").asText()).matches("[0-9]+");
    assertThat(j.path("thumbnail_id").asText()).matches("[0-9]+");

    MediaHttp.Res got = http.get("/v1/media/" + j.path("media_id").asText(), token(alice));
    assertThat(got.status()).isEqualTo(200);
    assertThat(got.body()).isEqualTo(jpeg);
    assertThat(got.header("Content-Type")).isEqualTo("image/jpeg");
    assertThat(got.header("ETag")).isEqualTo("\"" + Sha256.of(jpeg) + "\"");
    assertThat(got.header("X-Content-Type-Options")).isEqualTo("nosniff");
    assertThat(got.header("Content-Security-Policy")).contains("sandbox");
    assertThat(got.header("Cache-Control")).startsWith("private");
    assertThat(got.header("Content-Disposition")).isNull();

    // the same upload announced with Expect: 100-continue (as curl does for large bodies)
    MediaHttp.Res again =
        http.send(
            http.req("/v1/media?kind=media", token(alice))
                .expectContinue(true)
                .header("Content-Type", "image/jpeg")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofByteArray(jpeg)));
    assertThat(again.status()).as(new String(again.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    assertThat(again.json().path("sha256").asText()).isEqualTo(Sha256.of(jpeg));
  }

  @Test
  void sameBytesAreStoredOnceWithOneReferencePerUpload() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    byte[] png = MediaHttp.image("png", 300, 200, 42);
    MediaHttp.Res a = http.multipart(token(alice), "media", "file", "a.png", "image/png", png);
    MediaHttp.Res b = http.upload(token(bob), "media", "image/png", png);
    assertThat(a.status()).as(new String(a.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    assertThat(b.status()).as(new String(b.body(), StandardCharsets.UTF_8)).isEqualTo(201);
    String sha = Sha256.of(png);
    assertThat(a.json().path("sha256").asText()).isEqualTo(sha);
    assertThat(b.json().path("sha256").asText()).isEqualTo(sha);
    assertThat(a.json().path("media_id").asText()).isNotEqualTo(b.json().path("media_id").asText());
    assertThat(media().store().blobRefCount(sha)).isEqualTo(2);
    try (Stream<Path> files = Files.walk(node.dataDir().resolve("media"))) {
      List<Path> copies = files.filter(p -> p.getFileName().toString().equals(sha)).toList();
      assertThat(copies).hasSize(1);
      assertThat(Files.readAllBytes(copies.get(0))).isEqualTo(png);
    }
  }

  @Test
  void conversationMembersMayDownloadOnlyOnceAMessageReferencesIt() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    TestUser carol = node.user("carol");
    TestUser stranger = node.user("eve");
    byte[] jpeg = MediaHttp.image("jpeg", 200, 100, 7);
    JsonNode up = http.upload(token(alice), "media", "image/jpeg", jpeg).json();
    String id = up.path("media_id").asText();
    String path = "/v1/media/" + id;

    String group =
        alice.http().createGroup("photos", List.of(bob.id(), carol.id())).conversationId();
    // before any message references it: only the uploader
    assertThat(http.get(path, token(bob)).status()).isEqualTo(404);
    assertThat(http.get(path, token(bob)).errorCode()).isEqualTo("not_found");
    assertThat(http.get(path + "/thumbnail", token(bob)).status()).isEqualTo(404);

    send(alice, group, Bodies.media(id, "look"));
    assertThat(media().store().references(Long.parseLong(id))).hasSize(1);
    MediaHttp.Res byBob = http.get(path, token(bob));
    assertThat(byBob.status()).isEqualTo(200);
    assertThat(byBob.body()).isEqualTo(jpeg);
    assertThat(http.get(path, token(carol)).status()).isEqualTo(200);
    assertThat(http.get(path + "/thumbnail", token(carol)).status()).isEqualTo(200);
    // a stranger: 404, never 403
    assertThat(http.get(path, token(stranger)).status()).isEqualTo(404);
    assertThat(http.get(path + "/thumbnail", token(stranger)).status()).isEqualTo(404);
    assertThat(http.get("/v1/media/" + up.path("thumbnail_id").asText(), token(stranger)).status())
        .isEqualTo(404);
    // a removed member loses access
    alice.http().removeMember(group, carol.id());
    assertThat(http.get(path, token(carol)).status()).isEqualTo(404);
    assertThat(http.get(path, token(bob)).status()).isEqualTo(200);
    // no token at all
    assertThat(http.get(path, null).status()).isEqualTo(401);
  }

  @Test
  void rangeRequestsGet206And416() {
    TestUser alice = node.user("alice");
    byte[] pdf = MediaHttp.pdf("range " + UUID.randomUUID());
    String id =
        http.upload(token(alice), "document", "application/pdf", pdf)
            .json()
            .path("media_id")
            .asText();
    String path = "/v1/media/" + id;
    MediaHttp.Res r = http.get(path, token(alice), "Range", "bytes=5-14");
    assertThat(r.status()).isEqualTo(206);
    assertThat(r.body()).isEqualTo(Arrays.copyOfRange(pdf, 5, 15));
    assertThat(r.header("Content-Range")).isEqualTo("bytes 5-14/" + pdf.length);
    MediaHttp.Res tail = http.get(path, token(alice), "Range", "bytes=-6");
    assertThat(tail.status()).isEqualTo(206);
    assertThat(tail.body()).isEqualTo(Arrays.copyOfRange(pdf, pdf.length - 6, pdf.length));
    MediaHttp.Res open = http.get(path, token(alice), "Range", "bytes=10-");
    assertThat(open.body()).isEqualTo(Arrays.copyOfRange(pdf, 10, pdf.length));
    MediaHttp.Res bad = http.get(path, token(alice), "Range", "bytes=" + pdf.length + "-");
    assertThat(bad.status()).isEqualTo(416);
    assertThat(bad.header("Content-Range")).isEqualTo("bytes */" + pdf.length);
  }

  @Test
  void etagRevalidationGets304() {
    TestUser alice = node.user("alice");
    byte[] png = MediaHttp.image("png", 50, 50, 99);
    JsonNode up = http.upload(token(alice), "media", "image/png", png).json();
    String path = "/v1/media/" + up.path("media_id").asText();
    String etag = http.get(path, token(alice)).header("ETag");
    MediaHttp.Res r = http.get(path, token(alice), "If-None-Match", etag);
    assertThat(r.status()).isEqualTo(304);
    assertThat(r.body()).isEmpty();
    assertThat(http.get(path, token(alice), "If-None-Match", "\"other\"").status()).isEqualTo(200);
  }

  @Test
  void documentsAreAttachmentsNamedByTheUploadOrTheMessage() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    byte[] pdf = MediaHttp.pdf("doc " + UUID.randomUUID());
    // multipart: the part's filename
    JsonNode a =
        http.multipart(token(alice), "document", "file", "Q3 report.pdf", "application/pdf", pdf)
            .json();
    assertThat(a.path("file_name").asText()).isEqualTo("Q3 report.pdf");
    MediaHttp.Res r = http.get("/v1/media/" + a.path("media_id").asText(), token(alice));
    assertThat(r.header("Content-Disposition"))
        .startsWith("attachment; filename=\"Q3 report.pdf\"");
    assertThat(r.header("Content-Type")).isEqualTo("application/pdf");
    // raw without a name: the document message's file_name, for a member
    byte[] pdf2 = MediaHttp.pdf("doc2 " + UUID.randomUUID());
    String id =
        http.upload(token(alice), "document", "application/pdf", pdf2)
            .json()
            .path("media_id")
            .asText();
    send(alice, conv, Bodies.document(id, "minutes.pdf"));
    MediaHttp.Res byBob = http.get("/v1/media/" + id, token(bob));
    assertThat(byBob.status()).isEqualTo(200);
    assertThat(byBob.header("Content-Disposition"))
        .isEqualTo("attachment; filename=\"minutes.pdf\"; filename*=UTF-8''minutes.pdf");
  }

  @Test
  void imagesGetABoundedJpegThumbnail() throws Exception {
    TestUser alice = node.user("alice");
    byte[] png = MediaHttp.image("png", 1600, 900, 5);
    JsonNode up = http.upload(token(alice), "media", "image/png", png).json();
    assertThat(up.path("thumbnail_url").asText())
        .isEqualTo("/v1/media/" + up.path("media_id").asText() + "/thumbnail");
    MediaHttp.Res t = http.get(up.path("thumbnail_url").asText(), token(alice));
    assertThat(t.status()).isEqualTo(200);
    assertThat(t.header("Content-Type")).isEqualTo("image/jpeg");
    BufferedImage img = ImageIO.read(new ByteArrayInputStream(t.body()));
    assertThat(img.getWidth()).isEqualTo(320);
    assertThat(img.getHeight()).isEqualTo(180);
    // also reachable by its own id, same bytes
    MediaHttp.Res byId = http.get("/v1/media/" + up.path("thumbnail_id").asText(), token(alice));
    assertThat(byId.body()).isEqualTo(t.body());
    // a PDF has none
    JsonNode doc =
        http.upload(
                token(alice), "document", "application/pdf", MediaHttp.pdf("t" + UUID.randomUUID()))
            .json();
    assertThat(doc.has("thumbnail_id")).isFalse();
    assertThat(
            http.get("/v1/media/" + doc.path("media_id").asText() + "/thumbnail", token(alice))
                .status())
        .isEqualTo(404);
  }

  @Test
  void signedUrlsWorkWithoutATokenUntilTheyExpire() {
    TestUser alice = node.user("alice");
    TestUser eve = node.user("eve");
    byte[] jpeg = MediaHttp.image("jpeg", 64, 64, 11);
    JsonNode up = http.upload(token(alice), "media", "image/jpeg", jpeg).json();
    String url = up.path("url").asText();
    assertThat(url).startsWith("/v1/media/" + up.path("media_id").asText() + "?exp=");
    MediaHttp.Res r = http.get(url, null);
    assertThat(r.status()).isEqualTo(200);
    assertThat(r.body()).isEqualTo(jpeg);
    assertThat(r.header("Cache-Control")).matches("public, max-age=[0-9]+");
    // tampered: another id with the same signature, or a changed expiry
    String otherId = up.path("thumbnail_id").asText();
    assertThat(http.get(url.replace(up.path("media_id").asText(), otherId), null).status())
        .isEqualTo(404);
    String exp = url.replaceAll(".*exp=([0-9]+).*", "$1");
    assertThat(
            http.get(url.replace("exp=" + exp, "exp=" + (Long.parseLong(exp) + 1)), null).status())
        .isEqualTo(404);
    assertThat(http.get(url.substring(0, url.length() - 2) + "xx", null).status()).isEqualTo(404);
    // issuing a URL needs read access
    String id = up.path("media_id").asText();
    MediaHttp.Res denied =
        http.send(
            http.req("/v1/media/" + id + "/url", token(eve))
                .POST(java.net.http.HttpRequest.BodyPublishers.noBody()));
    assertThat(denied.status()).isEqualTo(404);
    // a short-lived URL stops working after its expiry
    MediaHttp.Res issued =
        http.send(
            http.req("/v1/media/" + id + "/url", token(alice))
                .header("Content-Type", "application/json")
                .POST(java.net.http.HttpRequest.BodyPublishers.ofString("{\"ttl_seconds\":1}")));
    assertThat(issued.status()).isEqualTo(200);
    String shortUrl = issued.json().path("url").asText();
    assertThat(http.get(shortUrl, null).status()).isEqualTo(200);
    Awaitility.await()
        .atMost(Duration.ofSeconds(5))
        .pollInterval(Duration.ofMillis(200))
        .until(() -> http.get(shortUrl, null).status() == 404);
  }

  @Test
  void messageBodiesMustReferenceTheSendersOwnUpload() {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    String bobs =
        http.upload(token(bob), "media", "image/png", MediaHttp.image("png", 10, 10, 3))
            .json()
            .path("media_id")
            .asText();
    // not existing
    assertThatThrownBy(() -> send(alice, conv, Bodies.media("123456789", null)))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.code()).isEqualTo("not_found"));
    // someone else's
    assertThatThrownBy(() -> send(alice, conv, Bodies.document(bobs, "x.png")))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.code()).isEqualTo("not_found"));
    // malformed id
    assertThatThrownBy(() -> send(alice, conv, Bodies.media("abc", null)))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.code()).isEqualTo("invalid_argument"));
    assertThat(media().store().references(Long.parseLong(bobs))).isEmpty();
    // the owner's own: accepted and recorded
    String msg = send(bob, conv, Bodies.media(bobs, "mine"));
    assertThat(media().store().references(Long.parseLong(bobs)))
        .singleElement()
        .satisfies(ref -> assertThat(ref[1]).isEqualTo(Long.parseLong(msg)));
    assertThat(http.get("/v1/media/" + bobs, token(alice)).status()).isEqualTo(200);
  }

  @Test
  void sdkAndCliSendAndFetchMedia(@org.junit.jupiter.api.io.TempDir Path dir) throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    String conv = alice.http().createDirect(bob.id());
    byte[] png = MediaHttp.image("png", 120, 80, 123);
    byte[] pdf = MediaHttp.pdf("cli " + UUID.randomUUID());
    Path pic = Files.write(dir.resolve("pic.png"), png);
    Path notes = Files.write(dir.resolve("notes.pdf"), pdf);

    // the terminal client uploads and sends both
    java.io.ByteArrayOutputStream out = new java.io.ByteArrayOutputStream();
    int code =
        io.parley.client.cli.ParleyCli.run(
            new String[] {
              "--url", node.baseUrl(), "login", alice.username(), "correct horse battery"
            },
            new java.io.BufferedReader(
                new java.io.StringReader(
                    "/image "
                        + conv
                        + " "
                        + pic
                        + " a caption\n/file "
                        + conv
                        + " "
                        + notes
                        + "\n/quit\n")),
            new java.io.PrintStream(out, true, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(code).as(out.toString(StandardCharsets.UTF_8)).isZero();
    List<io.parley.protocol.MessageView> msgs = bob.http().history(conv, null, null, 10).messages();
    assertThat(msgs)
        .extracting(io.parley.protocol.MessageView::kind)
        .containsExactly("media", "document");
    String imageId = msgs.get(0).body().path("media_id").asText();
    String docId = msgs.get(1).body().path("media_id").asText();
    assertThat(msgs.get(1).body().path("file_name").asText()).isEqualTo("notes.pdf");

    // the SDK downloads (bob is a member now), to memory and to a file
    assertThat(bob.http().downloadMedia(imageId)).isEqualTo(png);
    Path copy = dir.resolve("copy.pdf");
    assertThat(bob.http().downloadMedia(docId, copy)).isEqualTo(pdf.length);
    assertThat(copy).hasBinaryContent(pdf);
    // the CLI fetches too
    java.io.ByteArrayOutputStream out2 = new java.io.ByteArrayOutputStream();
    Path fetched = dir.resolve("fetched.png");
    io.parley.client.cli.ParleyCli.run(
        new String[] {"--url", node.baseUrl(), "login", bob.username(), "correct horse battery"},
        new java.io.BufferedReader(
            new java.io.StringReader("/fetch " + imageId + " " + fetched + "\n/quit\n")),
        new java.io.PrintStream(out2, true, java.nio.charset.StandardCharsets.UTF_8));
    assertThat(fetched).as(out2.toString(StandardCharsets.UTF_8)).hasBinaryContent(png);
    // SDK upload of bytes, and a signed path without a token
    io.parley.client.Api.MediaUploaded up =
        bob.http().uploadMedia(MediaHttp.image("jpeg", 30, 30, 321), "image/jpeg", "media");
    assertThat(up.thumbnailId()).isNotNull();
    assertThat(node.http().downloadMedia(up.url())).hasSize((int) up.size());
    assertThatThrownBy(() -> node.http().as(alice.session()).downloadMedia(up.mediaId()))
        .isInstanceOfSatisfying(
            ParleyApiException.class, e -> assertThat(e.status()).isEqualTo(404));
  }
}
