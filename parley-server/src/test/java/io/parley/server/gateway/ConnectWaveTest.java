package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

/** A reconnect wave is a second (or the one before) with at least the threshold of connects. */
class ConnectWaveTest {
  private long now = 5_000_000_000L;
  private final ConnectWave wave = new ConnectWave(3, () -> now);

  @Test
  void aTrickleIsNoWaveAndABurstIsOneForTheNextSecondToo() {
    wave.note();
    wave.note();
    assertThat(wave.active()).isFalse();
    now += 1_000_000_000L; // the count starts again each second
    wave.note();
    wave.note();
    assertThat(wave.active()).isFalse();
    wave.note();
    assertThat(wave.active()).isTrue();
    now += 1_000_000_000L; // the second before still counts
    assertThat(wave.active()).isTrue();
    wave.note();
    assertThat(wave.active()).isTrue();
    now += 1_000_000_000L; // two seconds on, a quiet second ends it
    assertThat(wave.active()).isFalse();
    now += 5_000_000_000L;
    assertThat(wave.active()).isFalse();
  }

  @Test
  void concurrentNotesAreCounted() throws Exception {
    ConnectWave w = new ConnectWave(4_000, () -> 42L);
    Thread[] ts = new Thread[4];
    for (int i = 0; i < ts.length; i++) {
      ts[i] =
          new Thread(
              () -> {
                for (int j = 0; j < 1_000; j++) {
                  w.note();
                }
              });
      ts[i].start();
    }
    for (Thread t : ts) {
      t.join();
    }
    assertThat(w.active()).isTrue();
  }
}
