package io.parley.server.push;

import io.parley.protocol.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.spec.ECGenParameterSpec;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;

/** Test credentials generated on the fly: an FCM service account and an APNs .p8 key. */
final class ProviderKeys {
  private ProviderKeys() {}

  static String pem(byte[] pkcs8) {
    return "-----BEGIN PRIVATE KEY-----\n"
        + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(pkcs8)
        + "\n-----END PRIVATE KEY-----\n";
  }

  static KeyPair rsa() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("RSA");
    g.initialize(2048);
    return g.generateKeyPair();
  }

  static KeyPair ec() throws Exception {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  /** Writes a Google service-account JSON file for {@code keys}. */
  static Path serviceAccount(Path dir, KeyPair keys, String email, String tokenUri) {
    Map<String, Object> sa = new LinkedHashMap<>();
    sa.put("type", "service_account");
    sa.put("project_id", "parley-test");
    sa.put("private_key_id", "k1");
    sa.put("private_key", pem(keys.getPrivate().getEncoded()));
    sa.put("client_email", email);
    sa.put("token_uri", tokenUri);
    return write(dir.resolve("service-account.json"), Json.write(sa));
  }

  /** Writes an APNs .p8 file for {@code keys}. */
  static Path p8(Path dir, KeyPair keys) {
    return write(dir.resolve("AuthKey_TEST.p8"), pem(keys.getPrivate().getEncoded()));
  }

  private static Path write(Path p, String text) {
    try {
      return Files.writeString(p, text);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
