package io.parley.server.keys;

import java.util.List;

/**
 * The X3DH key directory: per device an identity key, a signed prekey and a pool of one-time
 * prekeys. Keys are stored as given (base64 text); validation is the caller's. Implementations are
 * thread-safe.
 */
public interface KeyStore {

  record SignedPreKey(long keyId, String publicKey, String signature) {}

  record PreKey(long keyId, String publicKey) {}

  /**
   * One device's bundle. {@code oneTimePreKey} is null when the device had none left; {@code
   * remaining} is how many it has after this fetch.
   */
  record Bundle(
      long deviceId,
      String identityKey,
      SignedPreKey signedPreKey,
      PreKey oneTimePreKey,
      int remaining) {}

  /** Result of {@link #upload}: whether it was stored, and the device's one-time prekey count. */
  record UploadResult(boolean stored, int count) {}

  /**
   * In one transaction: sets the device's identity key and signed prekey, and adds {@code oneTime}
   * (a stored key with the same id is replaced). If the identity key changed, the device's previous
   * one-time prekeys are discarded first. If the device would then hold more than {@code
   * maxPerDevice} one-time prekeys, nothing is stored and {@code stored} is false.
   */
  UploadResult upload(
      long userId,
      long deviceId,
      String identityKey,
      SignedPreKey signedPreKey,
      List<PreKey> oneTime,
      int maxPerDevice,
      long now);

  /**
   * One bundle per active device of {@code userId} that has keys, ordered by device id. Each bundle
   * atomically claims (deletes) one one-time prekey of its device, so a prekey is handed out at
   * most once even to concurrent fetchers, on any number of nodes.
   */
  List<Bundle> fetch(long userId);

  /** The device's remaining one-time prekeys. */
  int remaining(long deviceId);
}
