package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class SnifferTest {
  private static String sniff(byte[] b) {
    return Sniffer.sniff(b, b.length);
  }

  private static byte[] bytes(int... v) {
    byte[] b = new byte[v.length];
    for (int i = 0; i < v.length; i++) {
      b[i] = (byte) v[i];
    }
    return b;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  @Test
  void recognizesTheFamilies() {
    assertThat(sniff(MediaHttp.image("jpeg", 4, 4, 1))).isEqualTo("image/jpeg");
    assertThat(sniff(MediaHttp.image("png", 4, 4, 1))).isEqualTo("image/png");
    assertThat(sniff(MediaHttp.image("gif", 4, 4, 1))).isEqualTo("image/gif");
    assertThat(sniff(ascii("RIFF\0\0\0\0WEBPVP8 "))).isEqualTo("image/webp");
    assertThat(sniff(ascii("RIFF\0\0\0\0WAVEfmt "))).isEqualTo("audio/wav");
    assertThat(sniff(ascii("\0\0\0\u0018ftypisom\0\0\0\0"))).isEqualTo("video/mp4");
    assertThat(sniff(ascii("\0\0\0\u0018ftypqt  \0\0\0\0"))).isEqualTo("video/quicktime");
    assertThat(sniff(ascii("\0\0\0\u0018ftypheic\0\0\0\0"))).isEqualTo("image/heic");
    assertThat(sniff(bytes(0x1A, 0x45, 0xDF, 0xA3, 0x01))).isEqualTo("video/webm");
    assertThat(sniff(ascii("OggS\0\u0002"))).isEqualTo("audio/ogg");
    assertThat(sniff(ascii("ID3\u0004\0"))).isEqualTo("audio/mpeg");
    assertThat(sniff(bytes(0xFF, 0xFB, 0x90, 0x00))).isEqualTo("audio/mpeg");
    assertThat(sniff(bytes(0xFF, 0xF1, 0x50, 0x80))).isEqualTo("audio/aac");
    assertThat(sniff(ascii("%PDF-1.7\n"))).isEqualTo("application/pdf");
    assertThat(sniff(ascii("PK\u0003\u0004\u0014\0"))).isEqualTo("application/zip");
    assertThat(sniff(bytes(0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)))
        .isEqualTo("application/x-ole-storage");
    assertThat(sniff("héllo, wörld\n".getBytes(StandardCharsets.UTF_8))).isEqualTo("text/plain");
    assertThat(sniff(bytes(0, 1, 2, 3))).isNull();
    assertThat(sniff(bytes(0x61, 0x62, 0xC3)))
        .as("a UTF-8 sequence cut by the end of the prefix")
        .isEqualTo("text/plain");
    assertThat(sniff(bytes('a', 0xFF, 'b'))).isNull();
    assertThat(sniff(new byte[0])).isNull();
  }

  @Test
  void declaredTypeMustMatchTheContent() {
    assertThat(Sniffer.accepts("image/jpeg", "image/jpeg")).isEqualTo("image/jpeg");
    assertThat(Sniffer.accepts("IMAGE/JPEG; q=1", "image/jpeg")).isEqualTo("image/jpeg");
    assertThat(Sniffer.accepts("image/png", "image/jpeg")).isNull();
    assertThat(Sniffer.accepts("application/octet-stream", "application/pdf"))
        .isEqualTo("application/pdf");
    assertThat(
            Sniffer.accepts(
                "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                "application/zip"))
        .isEqualTo("application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    assertThat(Sniffer.accepts("text/csv; charset=utf-8", "text/plain")).isEqualTo("text/csv");
    assertThat(Sniffer.accepts("text/html", "text/plain")).as("no HTML: stored XSS").isNull();
    assertThat(Sniffer.accepts("image/svg+xml", "text/plain")).isNull();
    assertThat(Sniffer.accepts("application/pdf", null)).isNull();
    assertThat(Sniffer.isMediaKind("audio/ogg")).isTrue();
    assertThat(Sniffer.isMediaKind("application/pdf")).isFalse();
  }
}
