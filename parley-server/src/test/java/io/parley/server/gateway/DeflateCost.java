package io.parley.server.gateway;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.ChannelHandler;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocket13FrameEncoder;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketExtensionData;
import io.netty.handler.codec.http.websocketx.extensions.WebSocketServerExtension;
import io.netty.handler.codec.http.websocketx.extensions.compression.PerMessageDeflateServerExtensionHandshaker;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Measures what permessage-deflate would cost the gateway (docs/adr/0002): CPU time per outbound
 * message frame written through Netty's WebSocket encoder with and without Netty's deflate
 * extension (context takeover, as browsers negotiate it), the bytes on the wire, and the memory a
 * connection holds once its compressor has been used (zlib state is native: RSS, not heap).
 *
 * <p>Run: {@code java -cp <test classpath> io.parley.server.gateway.DeflateCost}. Not a test.
 */
public final class DeflateCost {
  private DeflateCost() {}

  /** Message frames shaped like the server's: JSON envelope plus text of mixed sizes. */
  static List<String> frames(boolean random) {
    List<String> out = new ArrayList<>();
    String[] words = {"hello", "see", "you", "at", "the", "station", "tomorrow", "ok", "lol", "?"};
    for (int i = 0; i < 1000; i++) {
      StringBuilder text = new StringBuilder();
      int len = i % 10 == 0 ? 1500 : 20 + (i * 37) % 180;
      java.util.Random r = new java.util.Random(i);
      for (int w = 0; text.length() < len; w++) {
        if (random) {
          // incompressible-ish: random letters (like base64 ciphertext of E2E bodies)
          text.append((char) ('a' + r.nextInt(26)));
        } else {
          text.append(words[(i + w * 7) % words.length]).append(' ');
        }
      }
      out.add(
          "{\"type\":\"message\",\"message\":{\"message_id\":\""
              + (7_300_000_000_000_000_000L + i * 4097L)
              + "\",\"conversation_id\":\"123456789012345\",\"seq\":"
              + (1000 + i)
              + ",\"sender_id\":\"987654321098765\",\"sender_device_id\":\"987654321098766\","
              + "\"client_msg_id\":\"c-"
              + i
              + "\",\"ts\":"
              + (1_764_000_000_000L + i)
              + ",\"body\":{\"kind\":\"text\",\"text\":\""
              + text
              + "\"}}}");
    }
    return out;
  }

  static EmbeddedChannel channel(boolean deflate) {
    List<ChannelHandler> hs = new ArrayList<>();
    hs.add(new WebSocket13FrameEncoder(false));
    if (deflate) {
      WebSocketServerExtension ext =
          new PerMessageDeflateServerExtensionHandshaker(6, false, 15, false, false, 65536)
              .handshakeExtension(new WebSocketExtensionData("permessage-deflate", Map.of()));
      hs.add(ext.newExtensionEncoder());
      hs.add(ext.newExtensionDecoder());
    }
    EmbeddedChannel ch = new EmbeddedChannel(hs.toArray(ChannelHandler[]::new));
    ch.config().setAllocator(PooledByteBufAllocator.DEFAULT);
    return ch;
  }

  /** Writes every frame {@code rounds} times; returns {cpu ns per frame, wire bytes per frame}. */
  static double[] run(boolean deflate, List<String> frames, int rounds) {
    EmbeddedChannel ch = channel(deflate);
    ThreadMXBean t = ManagementFactory.getThreadMXBean();
    long wire = 0;
    long cpu0 = t.getCurrentThreadCpuTime();
    for (int r = 0; r < rounds; r++) {
      for (String s : frames) {
        ch.writeOutbound(
            new TextWebSocketFrame(ByteBufUtil.writeUtf8(PooledByteBufAllocator.DEFAULT, s)));
        ByteBuf out;
        while ((out = ch.readOutbound()) != null) {
          wire += out.readableBytes();
          out.release();
        }
      }
    }
    long cpu = t.getCurrentThreadCpuTime() - cpu0;
    ch.finishAndReleaseAll();
    int n = frames.size() * rounds;
    return new double[] {(double) cpu / n, (double) wire / n};
  }

  static long rssKb() throws Exception {
    for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
      if (line.startsWith("VmRSS:")) {
        return Long.parseLong(line.replaceAll("[^0-9]", ""));
      }
    }
    return -1;
  }

  /** Heap and RSS per connection-like channel that has written one frame (compressor in use). */
  static long[] memory(boolean deflate, String frame, int n) throws Exception {
    System.gc();
    Runtime rt = Runtime.getRuntime();
    long heap0 = rt.totalMemory() - rt.freeMemory();
    long rss0 = rssKb();
    List<EmbeddedChannel> keep = new ArrayList<>();
    List<java.util.zip.Inflater> inflaters = new ArrayList<>();
    byte[] compressed = new byte[256];
    java.util.zip.Deflater d = new java.util.zip.Deflater(6, true);
    d.setInput(frame.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    int clen = d.deflate(compressed, 0, compressed.length, java.util.zip.Deflater.SYNC_FLUSH);
    d.end();
    for (int i = 0; i < n; i++) {
      if (deflate) {
        // the inbound side: the client's compressed frames are inflated with a 32 KiB window
        java.util.zip.Inflater inf = new java.util.zip.Inflater(true);
        inf.setInput(compressed, 0, clen);
        inf.inflate(new byte[4096]);
        inflaters.add(inf);
      }
      EmbeddedChannel ch = channel(deflate);
      ch.writeOutbound(new TextWebSocketFrame(frame));
      ByteBuf out;
      while ((out = ch.readOutbound()) != null) {
        out.release();
      }
      keep.add(ch);
    }
    System.gc();
    long heap = rt.totalMemory() - rt.freeMemory() - heap0;
    long rss = (rssKb() - rss0) * 1024;
    long[] r = {heap / n, rss / n};
    keep.forEach(EmbeddedChannel::finishAndReleaseAll);
    inflaters.forEach(java.util.zip.Inflater::end);
    return r;
  }

  public static void main(String[] args) throws Exception {
    for (boolean random : new boolean[] {false, true}) {
      List<String> frames = frames(random);
      double avg = frames.stream().mapToInt(String::length).average().orElse(0);
      for (int warm = 0; warm < 3; warm++) {
        run(false, frames, 20);
        run(true, frames, 20);
      }
      double[] plain = run(false, frames, 100);
      double[] deflate = run(true, frames, 100);
      System.out.printf(
          "%s text: %d frames, average JSON %.0f bytes%n",
          random ? "random-letter" : "repetitive-word", frames.size(), avg);
      System.out.printf(
          "  plain:   %.0f ns CPU/message, %.0f bytes/message on the wire%n", plain[0], plain[1]);
      System.out.printf(
          "  deflate: %.0f ns CPU/message, %.0f bytes/message on the wire%n",
          deflate[0], deflate[1]);
    }
    List<String> frames = frames(false);
    long[] mp = memory(false, frames.get(1), 2000);
    long[] md = memory(true, frames.get(1), 2000);
    System.out.printf(
        "plain:   %d B heap, %d B RSS per connection (encoder state)%n", mp[0], mp[1]);
    System.out.printf(
        "deflate: %d B heap, %d B RSS per connection (deflater + inflater state)%n", md[0], md[1]);
  }
}
