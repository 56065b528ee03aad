package io.parley.server.media;

import java.nio.charset.StandardCharsets;
import java.security.InvalidKeyException;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.Base64;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;

/**
 * Signed, expiring download URLs: {@code /v1/media/{id}?exp=<unix seconds>&sig=<base64url
 * HMAC-SHA256(key, "media/v1:" + id + ":" + exp)>}. Anyone holding the URL can download until
 * {@code exp}, without a bearer token, so a CDN can cache it.
 */
public final class UrlSigner {
  private final byte[] key;

  public UrlSigner(byte[] key) {
    if (key.length < 32) {
      throw new IllegalArgumentException("media URL key must hold at least 32 bytes");
    }
    this.key = key.clone();
  }

  /**
   * The configured key (base64) or, when empty, one derived from the JWT signing key: every node
   * that shares the JWT key accepts the same URLs.
   */
  public static UrlSigner of(String configuredBase64, byte[] jwtKey) {
    if (configuredBase64 != null && !configuredBase64.isBlank()) {
      return new UrlSigner(Base64.getDecoder().decode(configuredBase64.trim()));
    }
    return new UrlSigner(hmac(jwtKey, "parley media url key v1"));
  }

  public String sign(long mediaId, long expSeconds) {
    return Base64.getUrlEncoder()
        .withoutPadding()
        .encodeToString(hmac(key, "media/v1:" + mediaId + ":" + expSeconds));
  }

  /** Whether {@code sig} is the signature of (mediaId, exp); constant-time comparison. */
  public boolean verify(long mediaId, long expSeconds, String sig) {
    if (sig == null) {
      return false;
    }
    byte[] expected = sign(mediaId, expSeconds).getBytes(StandardCharsets.US_ASCII);
    return MessageDigest.isEqual(expected, sig.getBytes(StandardCharsets.US_ASCII));
  }

  /** The path and query of a signed URL. */
  public String path(long mediaId, long expSeconds) {
    return "/v1/media/" + mediaId + "?exp=" + expSeconds + "&sig=" + sign(mediaId, expSeconds);
  }

  private static byte[] hmac(byte[] key, String data) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(key, "HmacSHA256"));
      return mac.doFinal(data.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException | InvalidKeyException e) {
      throw new IllegalStateException(e);
    }
  }
}
