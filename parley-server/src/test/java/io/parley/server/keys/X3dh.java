package io.parley.server.keys;

import java.math.BigInteger;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.MessageDigest;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.NamedParameterSpec;
import java.security.spec.X509EncodedKeySpec;
import java.security.spec.XECPrivateKeySpec;
import java.util.Arrays;
import java.util.Base64;
import java.util.HexFormat;
import javax.crypto.Cipher;
import javax.crypto.KeyAgreement;
import javax.crypto.Mac;
import javax.crypto.spec.GCMParameterSpec;
import javax.crypto.spec.SecretKeySpec;

/**
 * A test client's X3DH with JDK crypto only: an Ed25519 identity key (signing the X25519 signed
 * prekey, and converted to X25519 for the identity DH as in libsodium's {@code
 * crypto_sign_ed25519_pk_to_curve25519}), X25519 prekeys, HKDF-SHA256, AES-256-GCM.
 */
final class X3dh {
  private static final byte[] X25519_SPKI = HexFormat.of().parseHex("302a300506032b656e032100");
  private static final BigInteger P = BigInteger.TWO.pow(255).subtract(BigInteger.valueOf(19));

  private X3dh() {}

  /** A device's long-term Ed25519 identity. */
  record Identity(KeyPair ed) {
    byte[] publicRaw() {
      return raw(ed.getPublic());
    }

    byte[] sign(byte[] message) throws GeneralSecurityException {
      Signature s = Signature.getInstance("Ed25519");
      s.initSign(ed.getPrivate());
      s.update(message);
      return s.sign();
    }

    /** The X25519 private key of this identity: clamped SHA-512(seed)[0..32]. */
    PrivateKey dhPrivate() throws GeneralSecurityException {
      byte[] pkcs8 = ed.getPrivate().getEncoded();
      byte[] seed = Arrays.copyOfRange(pkcs8, pkcs8.length - 32, pkcs8.length);
      byte[] h = MessageDigest.getInstance("SHA-512").digest(seed);
      return KeyFactory.getInstance("X25519")
          .generatePrivate(new XECPrivateKeySpec(NamedParameterSpec.X25519, Arrays.copyOf(h, 32)));
    }
  }

  static Identity identity() throws GeneralSecurityException {
    return new Identity(KeyPairGenerator.getInstance("Ed25519").generateKeyPair());
  }

  static KeyPair x25519() throws GeneralSecurityException {
    return KeyPairGenerator.getInstance("X25519").generateKeyPair();
  }

  /** The raw 32 bytes of an Ed25519 or X25519 public key (its SPKI encoding's tail). */
  static byte[] raw(PublicKey k) {
    byte[] enc = k.getEncoded();
    return Arrays.copyOfRange(enc, enc.length - 32, enc.length);
  }

  static String b64(byte[] b) {
    return Base64.getEncoder().encodeToString(b);
  }

  static PublicKey x25519Public(byte[] raw) throws GeneralSecurityException {
    byte[] der = Arrays.copyOf(X25519_SPKI, X25519_SPKI.length + 32);
    System.arraycopy(raw, 0, der, X25519_SPKI.length, 32);
    return KeyFactory.getInstance("X25519").generatePublic(new X509EncodedKeySpec(der));
  }

  /** Ed25519 public key (raw) to X25519: u = (1 + y) / (1 - y) mod p. */
  static PublicKey edToX25519(byte[] edRaw) throws GeneralSecurityException {
    byte[] be = new byte[32];
    for (int i = 0; i < 32; i++) {
      be[i] = edRaw[31 - i];
    }
    be[0] &= 0x7f; // drop the sign bit of x
    BigInteger y = new BigInteger(1, be);
    BigInteger u = BigInteger.ONE.add(y).multiply(BigInteger.ONE.subtract(y).modInverse(P)).mod(P);
    byte[] ube = u.toByteArray();
    byte[] le = new byte[32];
    for (int i = 0; i < Math.min(32, ube.length); i++) {
      le[i] = ube[ube.length - 1 - i];
    }
    return x25519Public(le);
  }

  static byte[] dh(PrivateKey a, PublicKey b) throws GeneralSecurityException {
    KeyAgreement ka = KeyAgreement.getInstance("X25519");
    ka.init(a);
    ka.doPhase(b, true);
    return ka.generateSecret();
  }

  static boolean verify(byte[] edRaw, byte[] message, byte[] signature) {
    return KeyCrypto.verify(edRaw, message, signature);
  }

  /** SK = HKDF-SHA256(0xFF*32 || DH1 || DH2 || DH3 [|| DH4], salt 0*32, info "ParleyX3DH"). */
  static byte[] kdf(byte[]... dhs) throws GeneralSecurityException {
    ByteBuffer ikm = ByteBuffer.allocate(32 + 32 * dhs.length);
    byte[] f = new byte[32];
    Arrays.fill(f, (byte) 0xFF);
    ikm.put(f);
    for (byte[] d : dhs) {
      ikm.put(d);
    }
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(new byte[32], "HmacSHA256"));
    byte[] prk = mac.doFinal(ikm.array());
    mac.init(new SecretKeySpec(prk, "HmacSHA256"));
    mac.update("ParleyX3DH".getBytes());
    mac.update((byte) 1);
    return mac.doFinal();
  }

  static byte[] aesGcm(int mode, byte[] key, byte[] nonce, byte[] ad, byte[] data)
      throws GeneralSecurityException {
    Cipher c = Cipher.getInstance("AES/GCM/NoPadding");
    c.init(mode, new SecretKeySpec(key, "AES"), new GCMParameterSpec(128, nonce));
    c.updateAAD(ad);
    return c.doFinal(data);
  }
}
