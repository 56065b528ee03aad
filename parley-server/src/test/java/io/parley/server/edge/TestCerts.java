package io.parley.server.edge;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.X509Certificate;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Self-signed certificates for tests, made by the JDK's {@code keytool} (SAN 127.0.0.1 and
 * localhost) and written as PEM: the chain, and the key as PKCS#8.
 */
final class TestCerts {
  private TestCerts() {}

  /** Generates a pair ({@code RSA} or {@code EC}), writes both PEM files atomically. */
  static X509Certificate generate(Path dir, String keyAlg, Path certPem, Path keyPem)
      throws Exception {
    Path ks = Files.createTempFile(dir, "ks-", ".p12");
    Files.delete(ks);
    String keytool = Path.of(System.getProperty("java.home"), "bin", "keytool").toString();
    List<String> cmd =
        new java.util.ArrayList<>(
            List.of(
                keytool,
                "-genkeypair",
                "-alias",
                "parley",
                "-keyalg",
                keyAlg,
                "-dname",
                "CN=localhost",
                "-ext",
                "SAN=ip:127.0.0.1,dns:localhost",
                "-validity",
                "2",
                "-keystore",
                ks.toString(),
                "-storetype",
                "PKCS12",
                "-storepass",
                "changeit",
                "-keypass",
                "changeit"));
    if (keyAlg.equals("EC")) {
      cmd.addAll(List.of("-groupname", "secp256r1"));
    } else {
      cmd.addAll(List.of("-keysize", "2048"));
    }
    Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
      throw new IllegalStateException("keytool failed: " + out);
    }
    KeyStore store = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(ks)) {
      store.load(in, "changeit".toCharArray());
    }
    X509Certificate cert = (X509Certificate) store.getCertificate("parley");
    PrivateKey key = (PrivateKey) store.getKey("parley", "changeit".toCharArray());
    writeAtomically(certPem, pem("CERTIFICATE", cert.getEncoded()));
    writeAtomically(keyPem, pem("PRIVATE KEY", key.getEncoded()));
    Files.delete(ks);
    return cert;
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }

  private static void writeAtomically(Path target, String text) throws Exception {
    Path tmp = Files.createTempFile(target.getParent(), "pem-", ".tmp");
    Files.writeString(tmp, text);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A client TLS context trusting exactly {@code certs}. */
  static SSLContext trusting(X509Certificate... certs) throws Exception {
    KeyStore trust = KeyStore.getInstance("PKCS12");
    trust.load(null, null);
    for (int i = 0; i < certs.length; i++) {
      trust.setCertificateEntry("c" + i, certs[i]);
    }
    TrustManagerFactory tmf =
        TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    tmf.init(trust);
    SSLContext ctx = SSLContext.getInstance("TLS");
    ctx.init(null, tmf.getTrustManagers(), null);
    return ctx;
  }
}
