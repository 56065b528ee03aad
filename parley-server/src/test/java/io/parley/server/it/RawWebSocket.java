package io.parley.server.it;

import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.Locale;
import java.util.concurrent.ThreadLocalRandom;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;

/**
 * A WebSocket client written against RFC 6455 on a plain socket, so tests control every byte: it
 * can offer {@code permessage-deflate} (and then inflates compressed frames itself), stop reading,
 * and send frames no library would (reserved bits, bad UTF-8, huge payloads).
 */
final class RawWebSocket implements AutoCloseable {
  /** A received frame. */
  record Frame(int opcode, boolean rsv1, byte[] payload) {
    String text() {
      return new String(payload, StandardCharsets.UTF_8);
    }

    int closeCode() {
      return payload.length >= 2 ? ((payload[0] & 0xff) << 8) | (payload[1] & 0xff) : 1005;
    }
  }

  final Socket socket;
  final DataInputStream in;
  final OutputStream out;
  final String responseHead;

  /** The server accepted permessage-deflate. */
  final boolean deflate;

  private final Inflater inflater = new Inflater(true);

  private RawWebSocket(Socket s, String head) throws IOException {
    this.socket = s;
    this.in = new DataInputStream(s.getInputStream());
    this.out = s.getOutputStream();
    this.responseHead = head;
    this.deflate = head.toLowerCase(Locale.ROOT).contains("permessage-deflate");
  }

  /** Connects, upgrades, and returns the client (whatever the response status). */
  static RawWebSocket connect(int port, String token, boolean offerDeflate) throws IOException {
    Socket s = new Socket("127.0.0.1", port);
    s.setSoTimeout(30_000);
    String key =
        Base64.getEncoder()
            .encodeToString(
                Long.toString(ThreadLocalRandom.current().nextLong())
                    .getBytes(StandardCharsets.UTF_8));
    String req =
        "GET /v1/ws"
            + (token == null ? "" : "?access_token=" + token)
            + " HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + key
            + "\r\nSec-WebSocket-Version: 13\r\n"
            + (offerDeflate
                ? "Sec-WebSocket-Extensions: permessage-deflate; client_max_window_bits\r\n"
                : "")
            + "\r\n";
    s.getOutputStream().write(req.getBytes(StandardCharsets.US_ASCII));
    s.getOutputStream().flush();
    return new RawWebSocket(s, readHead(s.getInputStream()));
  }

  boolean upgraded() {
    return responseHead.startsWith("HTTP/1.1 101");
  }

  /** Reads one frame; compressed (RSV1) data frames are inflated. */
  Frame read() throws IOException {
    int b0 = in.readUnsignedByte();
    int b1 = in.readUnsignedByte();
    long len = b1 & 0x7f;
    if (len == 126) {
      len = in.readUnsignedShort();
    } else if (len == 127) {
      len = in.readLong();
    }
    byte[] p = new byte[(int) len];
    in.readFully(p);
    boolean rsv1 = (b0 & 0x40) != 0;
    if (rsv1 && deflate) {
      p = inflate(p);
    }
    return new Frame(b0 & 0x0f, rsv1, p);
  }

  /** Reads frames until a text frame (pings are answered with pongs). */
  Frame readData() throws IOException {
    while (true) {
      Frame f = read();
      if (f.opcode() == 0x9) {
        send(0x8A, f.payload());
      } else if (f.opcode() != 0xA) {
        return f;
      }
    }
  }

  private byte[] inflate(byte[] p) throws IOException {
    byte[] withTail = java.util.Arrays.copyOf(p, p.length + 4);
    withTail[p.length + 2] = (byte) 0xff;
    withTail[p.length + 3] = (byte) 0xff;
    inflater.setInput(withTail);
    ByteArrayOutputStream o = new ByteArrayOutputStream();
    byte[] chunk = new byte[8192];
    try {
      int n;
      while ((n = inflater.inflate(chunk)) > 0) {
        o.write(chunk, 0, n);
      }
    } catch (DataFormatException e) {
      throw new IOException(e);
    }
    return o.toByteArray();
  }

  void sendText(String text) throws IOException {
    send(0x81, text.getBytes(StandardCharsets.UTF_8));
  }

  /** Sends one masked frame with first byte {@code b0} (FIN, RSV, opcode). */
  void send(int b0, byte[] payload) throws IOException {
    out.write(header(b0, payload.length));
    byte[] masked = payload.clone();
    for (int i = 0; i < masked.length; i++) {
      masked[i] ^= MASK[i & 3];
    }
    out.write(masked);
    out.flush();
  }

  private static final byte[] MASK = {0x12, 0x34, 0x56, 0x78};

  static byte[] header(int b0, long len) {
    ByteArrayOutputStream h = new ByteArrayOutputStream();
    h.write(b0);
    if (len < 126) {
      h.write(0x80 | (int) len);
    } else if (len < 65536) {
      h.write(0x80 | 126);
      h.write((int) (len >> 8));
      h.write((int) len);
    } else {
      h.write(0x80 | 127);
      for (int i = 7; i >= 0; i--) {
        h.write((int) (len >> (8 * i)));
      }
    }
    h.write(MASK, 0, 4);
    return h.toByteArray();
  }

  /** Reads frames until a close frame and returns its code; -1 if the TCP ends first. */
  int awaitCloseCode() {
    try {
      while (true) {
        Frame f = read();
        if (f.opcode() == 0x8) {
          return f.closeCode();
        }
      }
    } catch (IOException e) {
      return -1;
    }
  }

  static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream buf = new ByteArrayOutputStream();
    int state = 0;
    while (state < 4) {
      int c = in.read();
      if (c < 0) {
        break;
      }
      buf.write(c);
      state =
          (c == '\r' && (state == 0 || state == 2)) || (c == '\n' && (state == 1 || state == 3))
              ? state + 1
              : (c == '\r' ? 1 : 0);
    }
    return buf.toString(StandardCharsets.ISO_8859_1);
  }

  @Override
  public void close() throws IOException {
    inflater.end();
    socket.close();
  }
}
