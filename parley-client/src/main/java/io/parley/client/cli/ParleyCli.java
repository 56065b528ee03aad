package io.parley.client.cli;

import io.parley.client.Api;
import io.parley.client.Bodies;
import io.parley.client.ClientOptions;
import io.parley.client.ParleyApiException;
import io.parley.client.ParleyClient;
import io.parley.client.ParleyHttp;
import io.parley.client.ParleyListener;
import io.parley.protocol.Frames;
import io.parley.protocol.MessageView;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

/**
 * A small terminal Parley client. {@code signup USER PASS [DISPLAY NAME]} creates an account;
 * {@code login USER PASS} logs in, connects and reads commands from stdin: {@code /to USER text},
 * {@code /conv ID text}, {@code /list}, {@code /history ID [N]}, {@code /read ID SEQ}, {@code
 * /help}, {@code /quit}. Incoming messages, receipts and typing are printed as they arrive.
 */
public final class ParleyCli {
  private final ParleyHttp http;
  private final PrintStream out;
  private final Map<String, String> names = new ConcurrentHashMap<>();
  private final ExecutorService printer =
      Executors.newSingleThreadExecutor(
          r -> {
            Thread t = new Thread(r, "parley-cli-printer");
            t.setDaemon(true);
            return t;
          });

  private ParleyCli(ParleyHttp http, PrintStream out) {
    this.http = http;
    this.out = out;
  }

  public static void main(String[] args) throws IOException {
    BufferedReader in =
        new BufferedReader(new InputStreamReader(System.in, StandardCharsets.UTF_8));
    System.exit(run(args, in, System.out));
  }

  /** Runs the CLI; returns the process exit code. */
  public static int run(String[] args, BufferedReader in, PrintStream out) throws IOException {
    String url = System.getenv().getOrDefault("PARLEY_URL", "http://localhost:8080");
    List<String> rest = new ArrayList<>(List.of(args));
    if (rest.size() >= 2 && rest.get(0).equals("--url")) {
      url = rest.get(1);
      rest = rest.subList(2, rest.size());
    }
    if (rest.size() < 3 || !(rest.get(0).equals("signup") || rest.get(0).equals("login"))) {
      out.println(
          "usage: parley-cli [--url http://host:port] signup USER PASS [DISPLAY NAME]\n"
              + "       parley-cli [--url http://host:port] login USER PASS");
      return 2;
    }
    ParleyHttp http = new ParleyHttp(url);
    try {
      if (rest.get(0).equals("signup")) {
        String display = rest.size() > 3 ? String.join(" ", rest.subList(3, rest.size())) : null;
        Api.SignedUp u = http.signup(rest.get(1), rest.get(2), display);
        out.println("signed up " + u.username() + " (" + u.userId() + ")");
        return 0;
      }
      Api.Session s = http.login(rest.get(1), rest.get(2), "parley-cli");
      return new ParleyCli(http.as(s), out).chat(url, s, rest.get(1), in);
    } catch (ParleyApiException e) {
      out.println("error: " + e.status() + " " + e.code() + ": " + e.errorMessage());
      return 1;
    } catch (java.io.UncheckedIOException e) {
      out.println("error: cannot reach " + url + ": " + e.getMessage());
      return 1;
    }
  }

  private int chat(String url, Api.Session s, String me, BufferedReader in) throws IOException {
    names.put(s.userId(), me);
    ClientOptions o = new ClientOptions(url, s.accessToken()).autoReconnect(true);
    try (ParleyClient c = new ParleyClient(o)) {
      c.addListener(new Printer());
      try {
        c.connect().get(15, TimeUnit.SECONDS);
      } catch (Exception e) {
        out.println("connect failed: " + e.getMessage());
        return 1;
      }
      out.println("connected as " + me + " to node " + c.nodeId() + "; /help for commands");
      String line;
      while ((line = in.readLine()) != null) {
        if (!command(c, line.strip())) {
          break;
        }
      }
    } finally {
      printer.shutdown();
      try {
        printer.awaitTermination(2, TimeUnit.SECONDS);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
    return 0;
  }

  /** Handles one input line; returns false to quit. */
  private boolean command(ParleyClient c, String line) {
    String[] p = line.split("\\s+", 3);
    try {
      switch (p[0]) {
        case "" -> {}
        case "/quit", "/exit" -> {
          return false;
        }
        case "/to" -> {
          requireArgs(p, 3);
          Api.Profile u = http.userByName(p[1]);
          names.put(u.userId(), u.username());
          report(c.sendTo(u.userId(), Bodies.text(p[2])).get(30, TimeUnit.SECONDS));
        }
        case "/conv" -> {
          requireArgs(p, 3);
          report(c.send(p[1], Bodies.text(p[2])).get(30, TimeUnit.SECONDS));
        }
        case "/list" -> {
          for (Api.ConversationSummary cs : http.listConversations()) {
            String last = cs.lastMessage() == null ? "" : " | " + describe(cs.lastMessage());
            out.printf(
                Locale.ROOT,
                "%s  %-6s %-20s unread=%d%s%n",
                cs.conversationId(),
                cs.type(),
                cs.title(),
                cs.unreadCount(),
                last);
          }
        }
        case "/history" -> {
          requireArgs(p, 2);
          Integer n = p.length > 2 ? Integer.valueOf(p[2]) : 20;
          for (MessageView m : http.history(p[1], null, null, n).messages()) {
            out.printf(Locale.ROOT, "  #%d %s: %s%n", m.seq(), name(m.senderId()), describe(m));
          }
        }
        case "/read" -> {
          requireArgs(p, 3);
          c.markRead(p[1], Long.parseLong(p[2]));
        }
        case "/image", "/file" -> {
          // media (F11): upload a file, then send it as a media or document message
          requireArgs(p, 3);
          String[] rest = p[2].split("\\s+", 2);
          java.nio.file.Path file = java.nio.file.Path.of(rest[0]);
          String type = java.nio.file.Files.probeContentType(file);
          boolean image = p[0].equals("/image");
          Api.MediaUploaded up =
              http.uploadMedia(
                  file,
                  type == null ? "application/octet-stream" : type,
                  image ? "media" : "document");
          out.printf(
              java.util.Locale.ROOT,
              "uploaded %s (%d bytes, %s)%n",
              up.mediaId(),
              up.size(),
              up.contentType());
          var body =
              image
                  ? Bodies.media(up.mediaId(), rest.length > 1 ? rest[1] : null)
                  : Bodies.document(up.mediaId(), file.getFileName().toString());
          report(c.send(p[1], body).get(30, TimeUnit.SECONDS));
        }
        case "/fetch" -> {
          requireArgs(p, 3);
          long n = http.downloadMedia(p[1], java.nio.file.Path.of(p[2]));
          out.printf(java.util.Locale.ROOT, "saved %d bytes to %s%n", n, p[2]);
        }
        case "/help" ->
            out.println(
                "/to USER text | /conv ID text | /list | /history ID [N] | /read ID SEQ"
                    + " | /image CONV PATH [caption] | /file CONV PATH | /fetch MEDIA_ID PATH"
                    + " | /quit");
        default -> out.println("unknown command (try /help)");
      }
    } catch (ParleyApiException e) {
      out.println("error: " + e.code() + ": " + e.errorMessage());
    } catch (Exception e) {
      out.println("error: " + (e.getCause() != null ? e.getCause().getMessage() : e.getMessage()));
    }
    return true;
  }

  private static void requireArgs(String[] p, int n) {
    if (p.length < n) {
      throw new IllegalArgumentException("missing arguments (try /help)");
    }
  }

  private void report(Frames.Ack a) {
    out.printf(Locale.ROOT, "✓ sent to %s as #%d%n", a.conversationId(), a.seq());
  }

  private static String describe(MessageView m) {
    return m.text() != null ? m.text() : "<" + m.kind() + ">";
  }

  /** A user's name, looked up once (only ever called on the printer thread or the input loop). */
  private String name(String userId) {
    if (userId == null) {
      return "?";
    }
    return names.computeIfAbsent(
        userId,
        id -> {
          try {
            return http.user(id).username();
          } catch (RuntimeException e) {
            return id;
          }
        });
  }

  /** Prints events off the event loop (name lookups block). */
  private final class Printer implements ParleyListener {
    @Override
    public void onMessage(MessageView m) {
      printer.execute(
          () ->
              out.printf(
                  Locale.ROOT,
                  "[%s #%d] %s: %s%n",
                  m.conversationId(),
                  m.seq(),
                  name(m.senderId()),
                  describe(m)));
    }

    @Override
    public void onReceipt(Frames.Receipt r) {
      printer.execute(
          () ->
              out.printf(
                  Locale.ROOT,
                  "[%s] %s %s up to #%d%n",
                  r.conversationId(),
                  name(r.userId()),
                  r.status(),
                  r.seq()));
    }

    @Override
    public void onTyping(Frames.Typing t) {
      if ("start".equals(t.state())) {
        printer.execute(
            () ->
                out.printf(
                    Locale.ROOT, "[%s] %s is typing...%n", t.conversationId(), name(t.userId())));
      }
    }

    @Override
    public void onError(Frames.Error e) {
      printer.execute(() -> out.println("server error: " + e.code() + ": " + e.message()));
    }

    @Override
    public void onClose(int code, String reason) {
      printer.execute(() -> out.println("disconnected (" + code + " " + reason + ")"));
    }

    @Override
    public void onSynced() {
      printer.execute(() -> out.println("(up to date)"));
    }
  }
}
