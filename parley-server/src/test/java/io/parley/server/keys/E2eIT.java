package io.parley.server.keys;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Api;
import io.parley.client.Bodies;
import io.parley.client.ParleyClient;
import io.parley.protocol.Json;
import io.parley.server.it.TestNode;
import io.parley.server.it.TestNode.TestUser;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import javax.crypto.Cipher;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * End-to-end encryption through the server: two devices make Ed25519 identities and X25519 prekeys
 * with JDK crypto, publish them, 50 concurrent fetchers never get the same one-time prekey, Alice
 * runs X3DH against Bob's bundle and sends an AES-GCM ciphertext over WebSocket, Bob (on a plain
 * JDK WebSocket) derives the same key and decrypts. Then the SQLite file, its WAL and the node's
 * log output (at DEBUG) are searched for the plaintext: it is nowhere.
 */
class E2eIT {
  private TestNode node;
  private final ConcurrentLinkedQueue<String> logs = new ConcurrentLinkedQueue<>();
  private final AppenderBase<ILoggingEvent> capture =
      new AppenderBase<>() {
        @Override
        protected void append(ILoggingEvent e) {
          logs.add(
              e.getFormattedMessage()
                  + (e.getThrowableProxy() == null
                      ? ""
                      : ThrowableProxyUtil.asString(e.getThrowableProxy())));
        }
      };
  private Level rootLevel;

  @BeforeEach
  void setUp() {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    rootLevel = root.getLevel();
    root.setLevel(Level.DEBUG);
    capture.start();
    root.addAppender(capture);
    node = TestNode.start(Map.of("push.webhook.url", "http://127.0.0.1:9/unused"));
  }

  @AfterEach
  void tearDown() {
    node.close();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    root.detachAppender(capture);
    root.setLevel(rootLevel);
  }

  /** A device's secret keys, kept by the test client. */
  private record DeviceKeys(
      X3dh.Identity identity, KeyPair signedPrekey, Map<Long, KeyPair> oneTime) {}

  private static DeviceKeys publish(TestUser u, int oneTimeCount) throws Exception {
    X3dh.Identity id = X3dh.identity();
    KeyPair spk = X3dh.x25519();
    byte[] sig = id.sign(X3dh.raw(spk.getPublic()));
    Map<Long, KeyPair> otks = new HashMap<>();
    List<Api.PreKey> up = new ArrayList<>();
    for (long k = 1; k <= oneTimeCount; k++) {
      KeyPair kp = X3dh.x25519();
      otks.put(k, kp);
      up.add(new Api.PreKey(k, X3dh.b64(X3dh.raw(kp.getPublic()))));
    }
    u.http()
        .uploadKeys(
            X3dh.b64(id.publicRaw()),
            new Api.SignedPreKey(1, X3dh.b64(X3dh.raw(spk.getPublic())), X3dh.b64(sig)),
            up);
    return new DeviceKeys(id, spk, otks);
  }

  @Test
  void x3dhMessageIsOpaqueToTheServer() throws Exception {
    TestUser alice = node.user("alice");
    TestUser bob = node.user("bob");
    DeviceKeys aliceKeys = publish(alice, 5);
    DeviceKeys bobKeys = publish(bob, 60);
    assertThat(bob.http().prekeyCount()).isEqualTo(60);

    // Bob is online on a plain JDK WebSocket (a client we did not write)
    ConcurrentLinkedQueue<JsonNode> bobFrames = new ConcurrentLinkedQueue<>();
    WebSocket bobWs =
        HttpClient.newHttpClient()
            .newWebSocketBuilder()
            .header("Authorization", "Bearer " + bob.session().accessToken())
            .buildAsync(
                URI.create(node.baseUrl().replace("http", "ws") + "/v1/ws"), collect(bobFrames))
            .get(5, TimeUnit.SECONDS);
    Awaitility.await().until(() -> hasType(bobFrames, "synced"));

    // 50 concurrent fetchers of Bob's bundle: no one-time prekey handed out twice
    List<TestUser> fetchers = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      fetchers.add(node.user("fetcher"));
    }
    ExecutorService pool = Executors.newFixedThreadPool(50);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<List<Api.KeyBundle>>> futures = new ArrayList<>();
    for (TestUser f : fetchers) {
      futures.add(
          pool.submit(
              () -> {
                go.await();
                return f.http().fetchKeys(bob.id());
              }));
    }
    go.countDown();
    Set<Long> handedOut = new HashSet<>();
    for (Future<List<Api.KeyBundle>> f : futures) {
      List<Api.KeyBundle> bundles = f.get(30, TimeUnit.SECONDS);
      assertThat(bundles).hasSize(1);
      assertThat(bundles.get(0).oneTimePrekey()).isNotNull();
      assertThat(handedOut.add(bundles.get(0).oneTimePrekey().keyId()))
          .as("one-time prekey handed out twice")
          .isTrue();
    }
    pool.shutdown();
    assertThat(handedOut).hasSize(50);
    assertThat(bob.http().prekeyCount()).isEqualTo(10);

    // Alice fetches Bob's bundle, verifies the signed prekey and runs X3DH
    Api.KeyBundle b = alice.http().fetchKeys(bob.id()).get(0);
    assertThat(b.deviceId()).isEqualTo(bob.session().deviceId());
    byte[] ikB = java.util.Base64.getDecoder().decode(b.identityKey());
    byte[] spkB = java.util.Base64.getDecoder().decode(b.signedPrekey().publicKey());
    assertThat(
            X3dh.verify(
                ikB, spkB, java.util.Base64.getDecoder().decode(b.signedPrekey().signature())))
        .isTrue();
    assertThat(b.oneTimePrekey()).isNotNull();
    assertThat(handedOut).doesNotContain(b.oneTimePrekey().keyId());
    byte[] opkB = java.util.Base64.getDecoder().decode(b.oneTimePrekey().publicKey());
    // Bob had 10 left, now 9 < 10: his connected device is told to upload more
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> hasType(bobFrames, "prekeys_low"));
    JsonNode low = first(bobFrames, "prekeys_low");
    assertThat(low.path("count").asInt()).isEqualTo(9);
    assertThat(low.path("device_id").asText()).isEqualTo(bob.session().deviceId());

    X3dh.Identity ikA = aliceKeys.identity();
    KeyPair ekA = X3dh.x25519();
    byte[] skA =
        X3dh.kdf(
            X3dh.dh(ikA.dhPrivate(), X3dh.x25519Public(spkB)),
            X3dh.dh(ekA.getPrivate(), X3dh.edToX25519(ikB)),
            X3dh.dh(ekA.getPrivate(), X3dh.x25519Public(spkB)),
            X3dh.dh(ekA.getPrivate(), X3dh.x25519Public(opkB)));
    String plaintext = "meet me at the old mill at dawn " + UUID.randomUUID();
    byte[] nonce = new byte[12];
    new SecureRandom().nextBytes(nonce);
    byte[] ad = concat(ikA.publicRaw(), ikB);
    byte[] ct =
        X3dh.aesGcm(
            Cipher.ENCRYPT_MODE, skA, nonce, ad, plaintext.getBytes(StandardCharsets.UTF_8));
    // wire: IK_A(32) | EK_A(32) | opk id (8) | nonce (12) | AES-GCM ciphertext+tag
    ByteBuffer wire = ByteBuffer.allocate(32 + 32 + 8 + 12 + ct.length);
    wire.put(ikA.publicRaw()).put(X3dh.raw(ekA.getPublic()));
    wire.putLong(b.oneTimePrekey().keyId()).put(nonce).put(ct);
    String ciphertext = X3dh.b64(wire.array());

    ParleyClient a = alice.connect();
    a.awaitSynced();
    a.sendTo(bob.id(), Bodies.encrypted(ciphertext)).get(5, TimeUnit.SECONDS);

    // Bob receives the opaque body and decrypts with his secret keys
    Awaitility.await().atMost(Duration.ofSeconds(5)).until(() -> hasType(bobFrames, "message"));
    JsonNode body = first(bobFrames, "message").path("message").path("body");
    assertThat(body.path("kind").asText()).isEqualTo("encrypted");
    ByteBuffer in =
        ByteBuffer.wrap(java.util.Base64.getDecoder().decode(body.path("ciphertext").asText()));
    byte[] ikAIn = new byte[32];
    byte[] ekAIn = new byte[32];
    in.get(ikAIn).get(ekAIn);
    long opkId = in.getLong();
    byte[] nonceIn = new byte[12];
    in.get(nonceIn);
    byte[] ctIn = new byte[in.remaining()];
    in.get(ctIn);
    // Bob checks the sender's identity against the directory
    assertThat(X3dh.b64(ikAIn)).isEqualTo(bob.http().fetchKeys(alice.id()).get(0).identityKey());
    PrivateKey opkPriv = bobKeys.oneTime().get(opkId).getPrivate();
    byte[] skB =
        X3dh.kdf(
            X3dh.dh(bobKeys.signedPrekey().getPrivate(), X3dh.edToX25519(ikAIn)),
            X3dh.dh(bobKeys.identity().dhPrivate(), X3dh.x25519Public(ekAIn)),
            X3dh.dh(bobKeys.signedPrekey().getPrivate(), X3dh.x25519Public(ekAIn)),
            X3dh.dh(opkPriv, X3dh.x25519Public(ekAIn)));
    assertThat(skB).isEqualTo(skA);
    byte[] decrypted =
        X3dh.aesGcm(
            Cipher.DECRYPT_MODE, skB, nonceIn, concat(ikAIn, bobKeys.identity().publicRaw()), ctIn);
    assertThat(new String(decrypted, StandardCharsets.UTF_8)).isEqualTo(plaintext);
    bobWs.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);

    // the server never had the plaintext: not in the database file, its WAL, nor the logs
    Path db = node.dataDir().resolve("parley.db");
    Path wal = node.dataDir().resolve("parley.db-wal");
    byte[] dbBytes = Files.readAllBytes(db);
    byte[] walBytes = Files.exists(wal) ? Files.readAllBytes(wal) : new byte[0];
    byte[] needle = plaintext.getBytes(StandardCharsets.UTF_8);
    byte[] needle2 = "old mill".getBytes(StandardCharsets.UTF_8);
    byte[] stored = ciphertext.getBytes(StandardCharsets.UTF_8);
    // positive control: the ciphertext itself is in the files we search
    assertThat(indexOf(dbBytes, stored) >= 0 || indexOf(walBytes, stored) >= 0).isTrue();
    assertThat(indexOf(dbBytes, needle)).isEqualTo(-1);
    assertThat(indexOf(walBytes, needle)).isEqualTo(-1);
    assertThat(indexOf(dbBytes, needle2)).isEqualTo(-1);
    assertThat(indexOf(walBytes, needle2)).isEqualTo(-1);
    String allLogs = String.join("\n", logs);
    assertThat(logs).isNotEmpty(); // positive control: the node did log (at DEBUG)
    assertThat(allLogs).doesNotContain(plaintext).doesNotContain("old mill");
    System.out.println(
        "E2eIT: searched db "
            + dbBytes.length
            + " B, wal "
            + walBytes.length
            + " B, "
            + logs.size()
            + " log lines: no plaintext");
  }

  private static WebSocket.Listener collect(ConcurrentLinkedQueue<JsonNode> frames) {
    return new WebSocket.Listener() {
      private final StringBuilder buf = new StringBuilder();

      @Override
      public CompletionStage<?> onText(WebSocket ws, CharSequence data, boolean last) {
        buf.append(data);
        if (last) {
          frames.add(Json.read(buf.toString(), JsonNode.class));
          buf.setLength(0);
        }
        ws.request(1);
        return null;
      }
    };
  }

  private static boolean hasType(ConcurrentLinkedQueue<JsonNode> frames, String type) {
    return frames.stream().anyMatch(f -> f.path("type").asText().equals(type));
  }

  private static JsonNode first(ConcurrentLinkedQueue<JsonNode> frames, String type) {
    return frames.stream()
        .filter(f -> f.path("type").asText().equals(type))
        .findFirst()
        .orElseThrow();
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }

  private static int indexOf(byte[] hay, byte[] needle) {
    outer:
    for (int i = 0; i + needle.length <= hay.length; i++) {
      for (int j = 0; j < needle.length; j++) {
        if (hay[i + j] != needle[j]) {
          continue outer;
        }
      }
      return i;
    }
    return -1;
  }
}
