package io.parley.server.keys;

import io.parley.server.api.ApiException;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PublicKey;
import java.security.Signature;
import java.security.spec.X509EncodedKeySpec;
import java.util.Base64;

/**
 * Key formats of the directory. Keys travel as standard base64 of their raw 32-byte encodings (RFC
 * 8032 / RFC 7748): the identity key is an <b>Ed25519</b> public key, signed and one-time prekeys
 * are <b>X25519</b> public keys, and the signed prekey's signature is the 64-byte Ed25519 signature
 * by the identity key over the raw 32 bytes of the signed prekey's public key. The JDK verifies it
 * (no XEdDSA needed).
 */
public final class KeyCrypto {
  /** DER prefix of an X.509 SubjectPublicKeyInfo for a raw Ed25519 key (OID 1.3.101.112). */
  private static final byte[] ED25519_SPKI = hex("302a300506032b6570032100");

  private KeyCrypto() {}

  /** Decodes standard base64 of exactly {@code length} bytes, or {@code invalid_argument}. */
  public static byte[] decode(String b64, int length, String field) {
    byte[] raw;
    try {
      raw = Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw ApiException.invalid(field + " must be base64");
    }
    if (raw.length != length) {
      throw ApiException.invalid(field + " must be " + length + " bytes (base64)");
    }
    return raw;
  }

  /** An Ed25519 public key from its raw 32 bytes. */
  public static PublicKey ed25519(byte[] raw) throws GeneralSecurityException {
    byte[] der = new byte[ED25519_SPKI.length + raw.length];
    System.arraycopy(ED25519_SPKI, 0, der, 0, ED25519_SPKI.length);
    System.arraycopy(raw, 0, der, ED25519_SPKI.length, raw.length);
    return KeyFactory.getInstance("Ed25519").generatePublic(new X509EncodedKeySpec(der));
  }

  /** Whether {@code signature} is the identity key's Ed25519 signature over {@code message}. */
  public static boolean verify(byte[] identityKey, byte[] message, byte[] signature) {
    try {
      Signature s = Signature.getInstance("Ed25519");
      s.initVerify(ed25519(identityKey));
      s.update(message);
      return s.verify(signature);
    } catch (GeneralSecurityException | RuntimeException e) {
      return false;
    }
  }

  private static byte[] hex(String s) {
    return java.util.HexFormat.of().parseHex(s);
  }
}
