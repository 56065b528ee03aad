package io.parley.server.keys;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import io.parley.server.push.PushTokenStore;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The authorization and bad-input matrix of {@code PUT /v1/keys}, {@code GET /v1/keys/...} and
 * {@code PUT/DELETE /v1/devices/me/push}, with a plain JDK HTTP client: every rejected request gets
 * its precise error and stores nothing.
 */
class KeysIT {
  private static TestNode node;
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    node = TestNode.start();
  }

  @AfterAll
  static void stop() {
    node.close();
  }

  private record Resp(int status, JsonNode json) {
    String code() {
      return json.path("error").path("code").asText();
    }
  }

  private static Resp call(String method, String path, String token, String body) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create(node.baseUrl() + path));
    if (token != null) {
      b.header("Authorization", "Bearer " + token);
    }
    b.header("Content-Type", "application/json");
    b.method(
        method,
        body == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofString(body));
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    JsonNode j =
        r.body().isBlank() ? Json.MAPPER.createObjectNode() : Json.read(r.body(), JsonNode.class);
    return new Resp(r.statusCode(), j);
  }

  private static String tok(TestUser u) {
    return u.session().accessToken();
  }

  /** A valid upload body with {@code n} one-time prekeys starting at id {@code from}. */
  private static ObjectNode upload(X3dh.Identity id, int from, int n) throws Exception {
    KeyPair spk = X3dh.x25519();
    ObjectNode b = Json.MAPPER.createObjectNode();
    b.put("identity_key", X3dh.b64(id.publicRaw()));
    ObjectNode s = b.putObject("signed_prekey");
    s.put("key_id", 1);
    s.put("public_key", X3dh.b64(X3dh.raw(spk.getPublic())));
    s.put("signature", X3dh.b64(id.sign(X3dh.raw(spk.getPublic()))));
    ArrayNode otks = b.putArray("one_time_prekeys");
    for (int i = from; i < from + n; i++) {
      otks.addObject()
          .put("key_id", i)
          .put("public_key", X3dh.b64(X3dh.raw(X3dh.x25519().getPublic())));
    }
    return b;
  }

  private static JsonNode bundles(TestUser asUser, TestUser of) throws Exception {
    Resp r = call("GET", "/v1/keys/" + of.id(), tok(asUser), null);
    assertThat(r.status()).isEqualTo(200);
    return r.json().path("devices");
  }

  private static int count(TestUser u) throws Exception {
    return call("GET", "/v1/keys/me/count", tok(u), null).json().path("count").asInt();
  }

  @Test
  void everyKeyAndPushEndpointNeedsAToken() throws Exception {
    TestUser alice = node.user("alice");
    String body = upload(X3dh.identity(), 1, 1).toString();
    assertThat(call("PUT", "/v1/keys", null, body).status()).isEqualTo(401);
    assertThat(call("PUT", "/v1/keys", "garbage", body).status()).isEqualTo(401);
    assertThat(call("GET", "/v1/keys/" + alice.id(), null, null).status()).isEqualTo(401);
    assertThat(call("GET", "/v1/keys/me/count", null, null).status()).isEqualTo(401);
    assertThat(
            call("PUT", "/v1/devices/me/push", null, "{\"provider\":\"fcm\",\"token\":\"t\"}")
                .status())
        .isEqualTo(401);
    assertThat(call("DELETE", "/v1/devices/me/push", null, null).status()).isEqualTo(401);
    assertThat(bundles(alice, alice)).isEmpty();
  }

  @Test
  void anUploadIsBoundToTheCallersOwnDevice() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    X3dh.Identity bobId = X3dh.identity();
    assertThat(call("PUT", "/v1/keys", tok(bob), upload(bobId, 1, 3).toString()).status())
        .isEqualTo(204);
    // Alice names Bob's user and device in her upload: the fields are ignored, the keys are hers
    X3dh.Identity aliceId = X3dh.identity();
    ObjectNode evil = upload(aliceId, 1, 2);
    evil.put("user_id", bob.id()).put("device_id", bob.session().deviceId());
    assertThat(call("PUT", "/v1/keys", tok(alice), evil.toString()).status()).isEqualTo(204);
    JsonNode bobs = bundles(alice, bob);
    assertThat(bobs).hasSize(1);
    assertThat(bobs.get(0).path("device_id").asText()).isEqualTo(bob.session().deviceId());
    assertThat(bobs.get(0).path("identity_key").asText()).isEqualTo(X3dh.b64(bobId.publicRaw()));
    JsonNode alices = bundles(bob, alice);
    assertThat(alices.get(0).path("device_id").asText()).isEqualTo(alice.session().deviceId());
    assertThat(alices.get(0).path("identity_key").asText())
        .isEqualTo(X3dh.b64(aliceId.publicRaw()));
    // the count endpoint is per calling device
    assertThat(count(bob)).isEqualTo(2); // 3 uploaded, 1 handed to alice
    assertThat(count(alice)).isEqualTo(1);
    // "me" fetches one's own bundles; unknown users are 404, bad ids 400
    assertThat(
            call("GET", "/v1/keys/me", tok(alice), null)
                .json()
                .path("devices")
                .get(0)
                .path("device_id")
                .asText())
        .isEqualTo(alice.session().deviceId());
    assertThat(call("GET", "/v1/keys/999999999", tok(alice), null).status()).isEqualTo(404);
    Resp bad = call("GET", "/v1/keys/abc", tok(alice), null);
    assertThat(bad.status()).isEqualTo(400);
    assertThat(bad.code()).isEqualTo("invalid_argument");
  }

  @Test
  void badUploadsAreRejectedPreciselyAndStoreNothing() throws Exception {
    TestUser alice = node.user("alice");
    X3dh.Identity id = X3dh.identity();
    ObjectNode good = upload(id, 1, 5);
    assertThat(call("PUT", "/v1/keys", tok(alice), good.toString()).status()).isEqualTo(204);
    String identityBefore = bundles(alice, alice).get(0).path("identity_key").asText();
    // (that fetch took prekey 1) 4 left

    // signed prekey signed by another identity: 400
    ObjectNode forged = upload(X3dh.identity(), 100, 5);
    forged.put("identity_key", X3dh.b64(X3dh.identity().publicRaw()));
    assertRejected(alice, forged, 400, "invalid_argument", "signature");
    // one flipped bit in the signature
    ObjectNode flipped = upload(id, 100, 5);
    byte[] sig =
        java.util.Base64.getDecoder()
            .decode(flipped.path("signed_prekey").path("signature").asText());
    sig[10] ^= 1;
    ((ObjectNode) flipped.get("signed_prekey")).put("signature", X3dh.b64(sig));
    assertRejected(alice, flipped, 400, "invalid_argument", "signature");
    // malformed base64, wrong lengths
    ObjectNode b64 = upload(id, 100, 5);
    b64.put("identity_key", "not*base64!");
    assertRejected(alice, b64, 400, "invalid_argument", "base64");
    ObjectNode shortKey = upload(id, 100, 5);
    ((ObjectNode) shortKey.withArray("one_time_prekeys").get(2)).put("public_key", "AAAA");
    assertRejected(alice, shortKey, 400, "invalid_argument", "32 bytes");
    // bad key ids, duplicates, wrong shapes
    ObjectNode negative = upload(id, 100, 5);
    ((ObjectNode) negative.withArray("one_time_prekeys").get(0)).put("key_id", -1);
    assertRejected(alice, negative, 400, "invalid_argument", "key_id");
    ObjectNode stringId = upload(id, 100, 5);
    ((ObjectNode) stringId.get("signed_prekey")).put("key_id", "1");
    assertRejected(alice, stringId, 400, "invalid_argument", "key_id");
    ObjectNode dup = upload(id, 100, 5);
    ((ObjectNode) dup.withArray("one_time_prekeys").get(1)).put("key_id", 100);
    assertRejected(alice, dup, 400, "invalid_argument", "duplicate");
    ObjectNode noIdentity = upload(id, 100, 5);
    noIdentity.remove("identity_key");
    assertRejected(alice, noIdentity, 400, "invalid_argument", "identity_key");
    ObjectNode spkNotObject = upload(id, 100, 5);
    spkNotObject.put("signed_prekey", "x");
    assertRejected(alice, spkNotObject, 400, "invalid_argument", "signed_prekey");
    ObjectNode otkNotArray = upload(id, 100, 5);
    otkNotArray.put("one_time_prekeys", 3);
    assertRejected(alice, otkNotArray, 400, "invalid_argument", "one_time_prekeys");
    Resp malformed = call("PUT", "/v1/keys", tok(alice), "{\"identity_key\":");
    assertThat(malformed.status()).isEqualTo(400);
    // too many in one upload: 413
    assertRejected(alice, upload(id, 100, 101), 413, "too_large", "per upload");

    assertThat(count(alice)).isEqualTo(4);
    assertThat(bundles(alice, alice).get(0).path("identity_key").asText())
        .isEqualTo(identityBefore);
  }

  @Test
  void aDeviceHoldsAtMostTheConfiguredNumberOfPrekeys() throws Exception {
    TestUser alice = node.user("alice");
    X3dh.Identity id = X3dh.identity();
    for (int i = 0; i < 10; i++) {
      assertThat(call("PUT", "/v1/keys", tok(alice), upload(id, i * 100, 100).toString()).status())
          .isEqualTo(204);
    }
    assertThat(count(alice)).isEqualTo(1000);
    assertRejected(alice, upload(id, 5000, 1), 413, "too_large", "at most 1000");
    assertThat(count(alice)).isEqualTo(1000);
    // re-uploading existing ids replaces them and stays within the limit
    assertThat(call("PUT", "/v1/keys", tok(alice), upload(id, 0, 50).toString()).status())
        .isEqualTo(204);
    assertThat(count(alice)).isEqualTo(1000);
  }

  @Test
  void pushRegistrationIsValidatedAndBoundToTheDevice() throws Exception {
    TestUser alice = node.user("alice");
    PushTokenStore tokens = node.node().wiring().push().tokens();
    long device = Long.parseLong(alice.session().deviceId());
    for (String bad :
        List.of(
            "{\"provider\":\"gcm\",\"token\":\"abc\"}",
            "{\"provider\":\"fcm\"}",
            "{\"provider\":\"fcm\",\"token\":\"\"}",
            "{\"provider\":\"fcm\",\"token\":\"has space\"}",
            "{\"provider\":\"apns\",\"token\":\"not-hex\"}",
            "{\"provider\":\"apns\",\"token\":\"abcd\"}",
            "{\"provider\":7,\"token\":\"abc\"}",
            "{\"token\":\"abc\"}",
            "[1]",
            "{nope")) {
      Resp r = call("PUT", "/v1/devices/me/push", tok(alice), bad);
      assertThat(r.status()).as(bad).isEqualTo(400);
      assertThat(r.code()).as(bad).isEqualTo("invalid_argument");
    }
    assertThat(tokens.find(device)).isEmpty();
    assertThat(
            call(
                    "PUT",
                    "/v1/devices/me/push",
                    tok(alice),
                    "{\"provider\":\"apns\",\"token\":\"" + "ab".repeat(32) + "\"}")
                .status())
        .isEqualTo(204);
    assertThat(tokens.find(device).orElseThrow().provider()).isEqualTo("apns");
    assertThat(
            call(
                    "PUT",
                    "/v1/devices/me/push",
                    tok(alice),
                    "{\"provider\":\"fcm\",\"token\":\"fcm:tok-1\"}")
                .status())
        .isEqualTo(204);
    assertThat(tokens.find(device).orElseThrow())
        .isEqualTo(
            new PushTokenStore.PushToken(device, Long.parseLong(alice.id()), "fcm", "fcm:tok-1"));
    assertThat(call("DELETE", "/v1/devices/me/push", tok(alice), null).status()).isEqualTo(204);
    assertThat(tokens.find(device)).isEmpty();
  }

  private static void assertRejected(
      TestUser u, ObjectNode body, int status, String code, String messagePart) throws Exception {
    Resp r = call("PUT", "/v1/keys", tok(u), body.toString());
    assertThat(r.status()).as(r.json().toString()).isEqualTo(status);
    assertThat(r.code()).isEqualTo(code);
    assertThat(r.json().path("error").path("message").asText()).contains(messagePart);
  }
}
