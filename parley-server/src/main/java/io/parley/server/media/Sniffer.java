package io.parley.server.media;

import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Content type detection by magic bytes, and the check of a declared {@code Content-Type} against
 * it. {@link #sniff} names the <i>family</i> of the content (e.g. {@code image/jpeg}, {@code
 * video/mp4}, {@code application/zip}, {@code text/plain}); {@link #accepts} tells which declared
 * types that family may be uploaded as. Anything else is refused with {@code
 * unsupported_media_type} (415).
 */
public final class Sniffer {
  /** Bytes needed to sniff. */
  public static final int PREFIX = 64;

  /** Declared types accepted per sniffed family. */
  private static final Map<String, Set<String>> ACCEPTS =
      Map.ofEntries(
          Map.entry("image/jpeg", Set.of("image/jpeg", "image/jpg", "image/pjpeg")),
          Map.entry("image/png", Set.of("image/png")),
          Map.entry("image/gif", Set.of("image/gif")),
          Map.entry("image/webp", Set.of("image/webp")),
          Map.entry("image/heic", Set.of("image/heic", "image/heif")),
          Map.entry("video/mp4", Set.of("video/mp4", "audio/mp4", "audio/m4a", "audio/x-m4a")),
          Map.entry("video/quicktime", Set.of("video/quicktime")),
          Map.entry("video/webm", Set.of("video/webm", "audio/webm", "video/x-matroska")),
          Map.entry("audio/mpeg", Set.of("audio/mpeg", "audio/mp3")),
          Map.entry("audio/aac", Set.of("audio/aac", "audio/aacp")),
          Map.entry("audio/ogg", Set.of("audio/ogg", "video/ogg", "application/ogg", "audio/opus")),
          Map.entry("audio/wav", Set.of("audio/wav", "audio/x-wav", "audio/wave")),
          Map.entry("application/pdf", Set.of("application/pdf")),
          Map.entry(
              "application/zip",
              Set.of(
                  "application/zip",
                  "application/epub+zip",
                  "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
                  "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                  "application/vnd.openxmlformats-officedocument.presentationml.presentation",
                  "application/vnd.oasis.opendocument.text",
                  "application/vnd.oasis.opendocument.spreadsheet",
                  "application/vnd.oasis.opendocument.presentation")),
          Map.entry(
              "application/x-ole-storage",
              Set.of(
                  "application/msword",
                  "application/vnd.ms-excel",
                  "application/vnd.ms-powerpoint")),
          Map.entry(
              "text/plain",
              Set.of(
                  "text/plain",
                  "text/csv",
                  "text/markdown",
                  "application/json",
                  "text/calendar",
                  "text/vcard")));

  private Sniffer() {}

  /** The family of content starting with {@code p} ({@code n} valid bytes), or null if unknown. */
  public static String sniff(byte[] p, int n) {
    if (n >= 3 && u(p, 0) == 0xFF && u(p, 1) == 0xD8 && u(p, 2) == 0xFF) {
      return "image/jpeg";
    }
    if (starts(p, n, 0, 0x89, 'P', 'N', 'G', 0x0D, 0x0A, 0x1A, 0x0A)) {
      return "image/png";
    }
    if (starts(p, n, 0, 'G', 'I', 'F', '8')
        && n >= 6
        && (p[4] == '7' || p[4] == '9')
        && p[5] == 'a') {
      return "image/gif";
    }
    if (starts(p, n, 0, 'R', 'I', 'F', 'F') && starts(p, n, 8, 'W', 'E', 'B', 'P')) {
      return "image/webp";
    }
    if (starts(p, n, 0, 'R', 'I', 'F', 'F') && starts(p, n, 8, 'W', 'A', 'V', 'E')) {
      return "audio/wav";
    }
    if (starts(p, n, 4, 'f', 't', 'y', 'p') && n >= 12) {
      String brand = new String(p, 8, 4, StandardCharsets.ISO_8859_1);
      return switch (brand) {
        case "qt  " -> "video/quicktime";
        case "heic", "heix", "mif1", "msf1", "heif" -> "image/heic";
        default -> "video/mp4";
      };
    }
    if (starts(p, n, 0, 0x1A, 0x45, 0xDF, 0xA3)) {
      return "video/webm";
    }
    if (starts(p, n, 0, 'O', 'g', 'g', 'S')) {
      return "audio/ogg";
    }
    if (starts(p, n, 0, 'I', 'D', '3')) {
      return "audio/mpeg";
    }
    if (n >= 2 && u(p, 0) == 0xFF && (u(p, 1) & 0xF6) == 0xF0) {
      return "audio/aac"; // ADTS: sync word, layer 00
    }
    if (n >= 2 && u(p, 0) == 0xFF && (u(p, 1) & 0xE0) == 0xE0 && (u(p, 1) & 0x06) != 0) {
      return "audio/mpeg"; // MPEG audio frame sync, layer I-III
    }
    if (starts(p, n, 0, '%', 'P', 'D', 'F', '-')) {
      return "application/pdf";
    }
    if (starts(p, n, 0, 'P', 'K', 3, 4)) {
      return "application/zip";
    }
    if (starts(p, n, 0, 0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1)) {
      return "application/x-ole-storage";
    }
    if (isText(p, n)) {
      return "text/plain";
    }
    return null;
  }

  /**
   * The content type to store for a declared type (parameters such as {@code charset} dropped,
   * lower case) given the sniffed family, or null when they do not match. {@code
   * application/octet-stream} or no declared type takes the sniffed family.
   */
  public static String accepts(String declared, String sniffed) {
    if (sniffed == null) {
      return null;
    }
    String d = base(declared);
    if (d.isEmpty() || d.equals("application/octet-stream")) {
      return sniffed;
    }
    Set<String> ok = ACCEPTS.get(sniffed);
    return ok != null && ok.contains(d) ? d : null;
  }

  /** Whether a stored content type is allowed with {@code kind=media} (image, audio, video). */
  public static boolean isMediaKind(String contentType) {
    return contentType.startsWith("image/")
        || contentType.startsWith("audio/")
        || contentType.startsWith("video/");
  }

  /** A Content-Type without parameters, trimmed and lower case ("" for null). */
  public static String base(String contentType) {
    if (contentType == null) {
      return "";
    }
    int semi = contentType.indexOf(';');
    return (semi >= 0 ? contentType.substring(0, semi) : contentType)
        .trim()
        .toLowerCase(Locale.ROOT);
  }

  private static boolean isText(byte[] p, int n) {
    if (n == 0) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      int b = u(p, i);
      if (b == 0 || (b < 0x20 && b != '\t' && b != '\n' && b != '\r' && b != 0x0C)) {
        return false;
      }
    }
    // valid UTF-8; a sequence cut by the end of the prefix is fine (endOfInput = false)
    var decoder =
        StandardCharsets.UTF_8
            .newDecoder()
            .onMalformedInput(CodingErrorAction.REPORT)
            .onUnmappableCharacter(CodingErrorAction.REPORT);
    java.nio.CharBuffer out = java.nio.CharBuffer.allocate(n);
    var result = decoder.decode(java.nio.ByteBuffer.wrap(p, 0, n), out, false);
    return !result.isError();
  }

  private static int u(byte[] p, int i) {
    return p[i] & 0xFF;
  }

  private static boolean starts(byte[] p, int n, int off, int... sig) {
    if (n < off + sig.length) {
      return false;
    }
    for (int i = 0; i < sig.length; i++) {
      if (u(p, off + i) != (sig[i] & 0xFF)) {
        return false;
      }
    }
    return true;
  }
}
