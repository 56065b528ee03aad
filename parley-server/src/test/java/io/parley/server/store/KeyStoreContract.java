package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.keys.KeyStore;
import io.parley.server.keys.KeyStore.Bundle;
import io.parley.server.keys.KeyStore.PreKey;
import io.parley.server.keys.KeyStore.SignedPreKey;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link KeyStore} contract, run against every backend by its subclasses. */
abstract class KeyStoreContract extends StoreTestBase {
  private static final long NOW = 1_700_000_000_000L;
  private static final SignedPreKey SPK = new SignedPreKey(7, "spk", "sig");
  private KeyStore keys;

  @BeforeEach
  void setUp() {
    keys = JdbcKeyStore.of(stores.database());
    stores.users().createUser(1, "alice", "Alice", "h", NOW);
    stores.users().createDevice(11, 1, "phone", NOW);
    stores.users().createDevice(12, 1, "laptop", NOW);
  }

  private static List<PreKey> prekeys(int from, int n) {
    List<PreKey> out = new ArrayList<>();
    for (int i = from; i < from + n; i++) {
      out.add(new PreKey(i, "otk-" + i));
    }
    return out;
  }

  @Test
  void fetchGivesOneBundlePerDeviceAndEachPrekeyOnce() {
    assertThat(keys.upload(1, 11, "id-11", SPK, prekeys(1, 2), 1000, NOW))
        .isEqualTo(new KeyStore.UploadResult(true, 2));
    keys.upload(1, 12, "id-12", new SignedPreKey(8, "spk12", "sig12"), List.of(), 1000, NOW);
    List<Bundle> first = keys.fetch(1);
    assertThat(first)
        .containsExactly(
            new Bundle(11, "id-11", SPK, new PreKey(1, "otk-1"), 1),
            new Bundle(12, "id-12", new SignedPreKey(8, "spk12", "sig12"), null, 0));
    assertThat(keys.fetch(1).get(0).oneTimePreKey()).isEqualTo(new PreKey(2, "otk-2"));
    Bundle exhausted = keys.fetch(1).get(0);
    assertThat(exhausted.oneTimePreKey()).isNull();
    assertThat(exhausted.identityKey()).isEqualTo("id-11");
    assertThat(keys.remaining(11)).isZero();
    assertThat(keys.fetch(2)).isEmpty();
  }

  @Test
  void sameIdentityAddsPrekeysNewIdentityDiscardsOldOnes() {
    keys.upload(1, 11, "id-a", SPK, prekeys(1, 3), 1000, NOW);
    keys.upload(1, 11, "id-a", new SignedPreKey(9, "spk9", "sig9"), prekeys(4, 2), 1000, NOW);
    assertThat(keys.remaining(11)).isEqualTo(5);
    assertThat(keys.fetch(1).get(0).signedPreKey()).isEqualTo(new SignedPreKey(9, "spk9", "sig9"));
    keys.upload(1, 11, "id-b", SPK, prekeys(100, 1), 1000, NOW);
    assertThat(keys.remaining(11)).isEqualTo(1);
    assertThat(keys.fetch(1).get(0).oneTimePreKey()).isEqualTo(new PreKey(100, "otk-100"));
  }

  @Test
  void uploadBeyondTheDeviceLimitStoresNothing() {
    keys.upload(1, 11, "id-a", SPK, prekeys(1, 8), 10, NOW);
    KeyStore.UploadResult r =
        keys.upload(1, 11, "id-a", new SignedPreKey(9, "x", "y"), prekeys(20, 3), 10, NOW);
    assertThat(r).isEqualTo(new KeyStore.UploadResult(false, 8));
    assertThat(keys.remaining(11)).isEqualTo(8);
    assertThat(keys.fetch(1).get(0).signedPreKey()).isEqualTo(SPK); // unchanged
  }

  @Test
  void revokedDevicesHaveNoBundle() {
    keys.upload(1, 11, "id-a", SPK, prekeys(1, 1), 1000, NOW);
    keys.upload(1, 12, "id-b", SPK, prekeys(1, 1), 1000, NOW);
    stores.users().revokeDevice(12, NOW);
    assertThat(keys.fetch(1)).extracting(Bundle::deviceId).containsExactly(11L);
  }

  @Test
  void concurrentFetchersNeverGetTheSamePrekey() throws Exception {
    keys.upload(1, 11, "id-a", SPK, prekeys(1, 100), 1000, NOW);
    keys.upload(1, 12, "id-b", SPK, prekeys(1, 30), 1000, NOW);
    List<List<Bundle>> results =
        concurrently(
            50,
            t -> {
              List<Bundle> mine = new ArrayList<>(keys.fetch(1));
              mine.addAll(keys.fetch(1));
              return mine;
            });
    Set<String> handedOut = new HashSet<>();
    int withPrekey = 0;
    for (List<Bundle> perThread : results) {
      for (Bundle b : perThread) {
        if (b.oneTimePreKey() != null) {
          withPrekey++;
          assertThat(handedOut.add(b.deviceId() + "/" + b.oneTimePreKey().keyId()))
              .as("prekey handed out twice")
              .isTrue();
        }
      }
    }
    // 100 fetches: device 11 had 100 prekeys (all handed out), device 12 had 30
    assertThat(withPrekey).isEqualTo(130);
    assertThat(keys.remaining(11)).isZero();
    assertThat(keys.remaining(12)).isZero();
  }
}
