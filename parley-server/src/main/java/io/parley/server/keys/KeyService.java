package io.parley.server.keys;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.protocol.ErrorCode;
import io.parley.protocol.Json;
import io.parley.server.api.ApiException;
import io.parley.server.api.Fields;
import io.parley.server.api.Principal;
import io.parley.server.auth.UserStore;
import io.parley.server.config.ParleyConfig;
import io.parley.server.keys.KeyStore.Bundle;
import io.parley.server.keys.KeyStore.PreKey;
import io.parley.server.keys.KeyStore.SignedPreKey;
import java.time.Clock;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The X3DH key directory's rules: uploads are validated completely (formats, the signed prekey's
 * signature, limits) before anything is stored and bound to the caller's own device; fetches hand
 * each one-time prekey out once and warn a device whose pool runs low with a {@code prekeys_low}
 * frame.
 */
public final class KeyService {
  /** Largest key id (31 bits, like Signal's 24-bit ids with room to spare). */
  static final long MAX_KEY_ID = Integer.MAX_VALUE;

  /** Sends a frame to one device of a user, if it is connected. */
  @FunctionalInterface
  public interface DeviceFrames {
    void send(long userId, long deviceId, String json);
  }

  private final KeyStore store;
  private final UserStore users;
  private final ParleyConfig.Keys cfg;
  private final DeviceFrames frames;
  private final Clock clock;

  public KeyService(
      KeyStore store, UserStore users, ParleyConfig.Keys cfg, DeviceFrames frames, Clock clock) {
    this.store = store;
    this.users = users;
    this.cfg = cfg;
    this.frames = frames;
    this.clock = clock;
  }

  /** Validates and stores the caller device's keys; returns its one-time prekey count. */
  public int upload(Principal p, JsonNode body) {
    String identity = Fields.requiredString(body, "identity_key", 100);
    byte[] identityRaw = KeyCrypto.decode(identity, 32, "identity_key");
    JsonNode spkNode = body.get("signed_prekey");
    if (spkNode == null || !spkNode.isObject()) {
      throw ApiException.invalid("signed_prekey must be an object");
    }
    long spkId = keyId(spkNode, "signed_prekey.key_id");
    String spkPub = Fields.requiredString(spkNode, "public_key", 100);
    byte[] spkRaw = KeyCrypto.decode(spkPub, 32, "signed_prekey.public_key");
    String sig = Fields.requiredString(spkNode, "signature", 200);
    byte[] sigRaw = KeyCrypto.decode(sig, 64, "signed_prekey.signature");
    if (!KeyCrypto.verify(identityRaw, spkRaw, sigRaw)) {
      throw ApiException.invalid("signed_prekey.signature does not verify with identity_key");
    }
    List<PreKey> oneTime = new ArrayList<>();
    JsonNode otks = body.get("one_time_prekeys");
    if (otks != null && !otks.isNull()) {
      if (!otks.isArray()) {
        throw ApiException.invalid("one_time_prekeys must be an array");
      }
      if (otks.size() > cfg.maxPrekeysPerUpload()) {
        throw new ApiException(
            ErrorCode.TOO_LARGE,
            "at most " + cfg.maxPrekeysPerUpload() + " one_time_prekeys per upload");
      }
      Set<Long> ids = new HashSet<>();
      for (JsonNode k : otks) {
        if (!k.isObject()) {
          throw ApiException.invalid("one_time_prekeys entries must be objects");
        }
        long id = keyId(k, "one_time_prekeys.key_id");
        if (!ids.add(id)) {
          throw ApiException.invalid("duplicate one_time_prekeys key_id " + id);
        }
        String pub = Fields.requiredString(k, "public_key", 100);
        KeyCrypto.decode(pub, 32, "one_time_prekeys.public_key");
        oneTime.add(new PreKey(id, pub));
      }
    }
    KeyStore.UploadResult r =
        store.upload(
            p.userId(),
            p.deviceId(),
            identity,
            new SignedPreKey(spkId, spkPub, sig),
            oneTime,
            cfg.maxPrekeysPerDevice(),
            clock.millis());
    if (!r.stored()) {
      throw new ApiException(
          ErrorCode.TOO_LARGE,
          "a device holds at most "
              + cfg.maxPrekeysPerDevice()
              + " one_time_prekeys (it has "
              + r.count()
              + ")");
    }
    return r.count();
  }

  /** The bundles of {@code userId}'s devices (claiming one one-time prekey each). */
  public Map<String, Object> fetch(long userId) {
    if (users.findUser(userId).isEmpty()) {
      throw ApiException.notFound("no such user");
    }
    List<Bundle> bundles = store.fetch(userId);
    List<Map<String, Object>> devices = new ArrayList<>();
    for (Bundle b : bundles) {
      Map<String, Object> d = new LinkedHashMap<>();
      d.put("device_id", Long.toString(b.deviceId()));
      d.put("identity_key", b.identityKey());
      Map<String, Object> spk = new LinkedHashMap<>();
      spk.put("key_id", b.signedPreKey().keyId());
      spk.put("public_key", b.signedPreKey().publicKey());
      spk.put("signature", b.signedPreKey().signature());
      d.put("signed_prekey", spk);
      if (b.oneTimePreKey() != null) {
        d.put(
            "one_time_prekey",
            Map.of(
                "key_id", b.oneTimePreKey().keyId(),
                "public_key", b.oneTimePreKey().publicKey()));
      }
      devices.add(d);
      if (b.remaining() < cfg.lowPrekeysThreshold()) {
        Map<String, Object> frame = new LinkedHashMap<>();
        frame.put("type", "prekeys_low");
        frame.put("device_id", Long.toString(b.deviceId()));
        frame.put("count", b.remaining());
        frames.send(userId, b.deviceId(), Json.write(frame));
      }
    }
    return Map.of("devices", devices);
  }

  public int remaining(long deviceId) {
    return store.remaining(deviceId);
  }

  private static long keyId(JsonNode obj, String field) {
    String name = field.substring(field.lastIndexOf('.') + 1);
    JsonNode v = obj.get(name);
    if (v == null || !v.isIntegralNumber() || v.asLong() < 0 || v.asLong() > MAX_KEY_ID) {
      throw ApiException.invalid(field + " must be an integer 0.." + MAX_KEY_ID);
    }
    return v.asLong();
  }
}
