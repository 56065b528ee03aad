package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;

class RangesAndSignerTest {
  @Test
  void ranges() {
    assertThat(Ranges.parse(null, 100)).isNull();
    assertThat(Ranges.parse("bytes=0-9", 100)).containsExactly(0, 9);
    assertThat(Ranges.parse("bytes=90-200", 100)).containsExactly(90, 99);
    assertThat(Ranges.parse("bytes=50-", 100)).containsExactly(50, 99);
    assertThat(Ranges.parse("bytes=-10", 100)).containsExactly(90, 99);
    assertThat(Ranges.parse("bytes=-1000", 100)).containsExactly(0, 99);
    assertThat(Ranges.parse("bytes=100-", 100)).isSameAs(Ranges.UNSATISFIABLE);
    assertThat(Ranges.parse("bytes=100-200", 100)).isSameAs(Ranges.UNSATISFIABLE);
    assertThat(Ranges.parse("bytes=-0", 100)).isSameAs(Ranges.UNSATISFIABLE);
    assertThat(Ranges.parse("bytes=9-3", 100)).isNull();
    assertThat(Ranges.parse("bytes=0-1,5-6", 100)).as("several ranges: whole content").isNull();
    assertThat(Ranges.parse("items=0-1", 100)).isNull();
    assertThat(Ranges.parse("bytes=x-1", 100)).isNull();
  }

  @Test
  void signedUrls() {
    UrlSigner s = UrlSigner.of("", new byte[32]);
    String sig = s.sign(42, 1000);
    assertThat(s.verify(42, 1000, sig)).isTrue();
    assertThat(s.verify(43, 1000, sig)).isFalse();
    assertThat(s.verify(42, 1001, sig)).isFalse();
    assertThat(s.verify(42, 1000, sig + "x")).isFalse();
    assertThat(s.verify(42, 1000, null)).isFalse();
    assertThat(s.path(42, 1000)).isEqualTo("/v1/media/42?exp=1000&sig=" + sig);
    // another JWT key, or a configured key, signs differently
    byte[] other = new byte[32];
    other[0] = 1;
    assertThat(UrlSigner.of("", other).verify(42, 1000, sig)).isFalse();
    assertThat(
            UrlSigner.of(java.util.Base64.getEncoder().encodeToString(new byte[32]), new byte[32])
                .verify(42, 1000, sig))
        .isFalse();
  }
}
