package io.parley.bench;

import io.parley.protocol.Json;
import io.parley.server.config.ConfigLoader;
import io.parley.server.messaging.NewMessage;
import io.parley.server.search.SearchCursor;
import io.parley.server.search.SearchIndex;
import io.parley.server.search.SearchPage;
import io.parley.server.search.SearchTerms;
import io.parley.server.search.SearchWiring;
import io.parley.server.store.Stores;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.HdrHistogram.Histogram;

/**
 * Search latency over a large store, filled directly through the store API (the real append path,
 * so the index triggers run), no network. Prints insert throughput and p50/p99/max per query kind.
 *
 * <pre>
 * java -cp parley-bench/target/parley-bench-*.jar:$(cat cp.txt) io.parley.bench.SearchBench \
 *   [--store sqlite|postgres] [--messages 1000000] [--conversations 10000] [--users 1000] \
 *   [--queries 500] [--dir DIR] [--postgres-url URL] [--no-index true]
 * </pre>
 *
 * Texts are 4 to 16 words drawn with a Zipf-like law from 20,000 synthetic words plus a few common
 * real ones; users are members of ~35 conversations each. Query kinds: a common word, a rare word,
 * two words, a 3-letter prefix as typed, a common word in one conversation, and page 2 of a common
 * word (cursor).
 */
public final class SearchBench {
  private static final String[] COMMON = {
    "the",
    "and",
    "you",
    "meeting",
    "tomorrow",
    "lunch",
    "thanks",
    "ok",
    "see",
    "later",
    "call",
    "home",
    "work",
    "today",
    "what",
    "when",
    "where",
    "photo",
    "great",
    "love"
  };

  private SearchBench() {}

  public static void main(String[] args) throws Exception {
    Map<String, String> a = new HashMap<>();
    for (int i = 0; i + 1 < args.length; i += 2) {
      a.put(args[i].replaceFirst("^--", ""), args[i + 1]);
    }
    int messages = Integer.parseInt(a.getOrDefault("messages", "1000000"));
    int conversations = Integer.parseInt(a.getOrDefault("conversations", "10000"));
    int users = Integer.parseInt(a.getOrDefault("users", "1000"));
    int queries = Integer.parseInt(a.getOrDefault("queries", "500"));
    String store = a.getOrDefault("store", "sqlite");
    Path dir =
        Path.of(a.getOrDefault("dir", Files.createTempDirectory("parley-search-bench").toString()));
    Map<String, String> o = new LinkedHashMap<>();
    o.put("store.type", store);
    o.put("store.data_dir", dir.toString());
    if (a.containsKey("postgres-url")) {
      o.put("store.postgres_url", a.get("postgres-url"));
    }
    Random rnd = new Random(42);
    String[] vocab = vocabulary(rnd, 20_000);
    try (Stores s = Stores.open(ConfigLoader.load(null, Map.of(), o).store())) {
      SearchIndex index = SearchWiring.index(s.database());
      boolean noIndex = Boolean.parseBoolean(a.getOrDefault("no-index", "false"));
      if (noIndex) {
        // measures what indexing costs the append path: the same fill without the trigger
        s.database()
            .write(
                c -> {
                  try (java.sql.Statement st = c.createStatement()) {
                    st.execute(
                        store.equals("sqlite")
                            ? "DROP TRIGGER message_fts_pending_insert"
                            : "DROP TRIGGER message_search_insert ON messages");
                  }
                  return null;
                });
      }
      // conversations with 2..5 members
      List<long[]> members = new ArrayList<>();
      for (int c = 0; c < conversations; c++) {
        int n = 2 + rnd.nextInt(4);
        List<Long> others = new ArrayList<>();
        long owner = 1L + rnd.nextInt(users);
        for (int k = 1; k < n; k++) {
          long u = 1L + rnd.nextInt(users);
          if (u != owner && !others.contains(u)) {
            others.add(u);
          }
        }
        s.conversations().createGroup(1_000_000L + c, "c" + c, owner, others, 0);
        long[] m = new long[others.size() + 1];
        m[0] = owner;
        for (int k = 0; k < others.size(); k++) {
          m[k + 1] = others.get(k);
        }
        members.add(m);
      }
      long t0 = System.nanoTime();
      long id = 1;
      for (int done = 0; done < messages; ) {
        int n = Math.min(1000, messages - done);
        List<NewMessage> batch = new ArrayList<>(n);
        for (int i = 0; i < n; i++, id++) {
          int c = rnd.nextInt(conversations);
          long[] m = members.get(c);
          long sender = m[rnd.nextInt(m.length)];
          batch.add(
              new NewMessage(
                  id,
                  1_000_000L + c,
                  sender,
                  sender,
                  "b" + id,
                  1_700_000_000_000L + id,
                  Json.write(Map.of("kind", "text", "text", text(rnd, vocab)))));
        }
        s.messages().append(batch);
        done += n;
        if (done % 100_000 == 0) {
          System.out.printf(
              java.util.Locale.ROOT, "stored %,d messages (%.0f msg/s)%n", done, done / secs(t0));
        }
      }
      System.out.printf(
          java.util.Locale.ROOT,
          "fill: %,d messages in %.1f s = %.0f msg/s (1,000 per transaction, %s)%n",
          messages,
          secs(t0),
          messages / secs(t0),
          noIndex
              ? "NOT indexed"
              : store.equals("sqlite") ? "queued for the index file" : "indexed");
      if (noIndex) {
        return;
      }
      if (store.equals("sqlite")) {
        // the first search indexes the whole queue (a node's background thread would have)
        long t1 = System.nanoTime();
        index.search(1, SearchTerms.parse("x"), null, null, 1);
        System.out.printf(
            java.util.Locale.ROOT,
            "indexing the queue: %.1f s = %.0f msg/s%n",
            secs(t1),
            messages / secs(t1));
      }

      Map<String, Histogram> hist = new LinkedHashMap<>();
      Map<String, long[]> hits = new LinkedHashMap<>();
      for (String kind :
          List.of(
              "common word",
              "rare word",
              "two words",
              "prefix (3 letters)",
              "in one conversation",
              "page 2 (cursor)")) {
        hist.put(kind, new Histogram(TimeUnit.SECONDS.toNanos(60), 3));
        hits.put(kind, new long[1]);
      }
      for (int warm = 0; warm < 2; warm++) {
        for (int q = 0; q < queries; q++) {
          int c = rnd.nextInt(conversations);
          long user = members.get(c)[0];
          String common = COMMON[rnd.nextInt(COMMON.length)];
          String rare = vocab[5_000 + rnd.nextInt(15_000)];
          String word = vocab[rnd.nextInt(2_000)];
          run(
              warm,
              hist,
              hits,
              "common word",
              () -> index.search(user, SearchTerms.parse(common + " "), null, null, 20));
          run(
              warm,
              hist,
              hits,
              "rare word",
              () -> index.search(user, SearchTerms.parse(rare + " "), null, null, 20));
          run(
              warm,
              hist,
              hits,
              "two words",
              () ->
                  index.search(user, SearchTerms.parse(common + " " + word + " "), null, null, 20));
          run(
              warm,
              hist,
              hits,
              "prefix (3 letters)",
              () ->
                  index.search(
                      user,
                      SearchTerms.parse(word.substring(0, Math.min(3, word.length()))),
                      null,
                      null,
                      20));
          run(
              warm,
              hist,
              hits,
              "in one conversation",
              () -> index.search(user, SearchTerms.parse(common + " "), 1_000_000L + c, null, 20));
          SearchPage first = index.search(user, SearchTerms.parse(common + " "), null, null, 20);
          SearchCursor cursor = first.more() ? first.hits().getLast().cursor() : null;
          run(
              warm,
              hist,
              hits,
              "page 2 (cursor)",
              () -> index.search(user, SearchTerms.parse(common + " "), null, cursor, 20));
        }
      }
      System.out.printf(
          java.util.Locale.ROOT,
          "%nstore=%s messages=%,d conversations=%,d users=%,d queries per kind=%d%n",
          store,
          messages,
          conversations,
          users,
          queries);
      System.out.println("| query | p50 ms | p99 ms | max ms | avg hits/page |");
      System.out.println("|---|---|---|---|---|");
      for (Map.Entry<String, Histogram> e : hist.entrySet()) {
        Histogram h = e.getValue();
        System.out.printf(
            java.util.Locale.ROOT,
            "| %s | %.2f | %.2f | %.2f | %.1f |%n",
            e.getKey(),
            h.getValueAtPercentile(50) / 1e6,
            h.getValueAtPercentile(99) / 1e6,
            h.getMaxValue() / 1e6,
            hits.get(e.getKey())[0] / (double) Math.max(1, h.getTotalCount()));
      }
    }
  }

  private static void run(
      int warm,
      Map<String, Histogram> hist,
      Map<String, long[]> hits,
      String kind,
      java.util.function.Supplier<SearchPage> q) {
    long t = System.nanoTime();
    SearchPage p = q.get();
    long ns = System.nanoTime() - t;
    if (warm == 1) {
      hist.get(kind).recordValue(Math.min(ns, TimeUnit.SECONDS.toNanos(60)));
      hits.get(kind)[0] += p.hits().size();
    }
  }

  private static double secs(long t0) {
    return (System.nanoTime() - t0) / 1e9;
  }

  private static String[] vocabulary(Random rnd, int n) {
    String[] syl = {
      "ka", "lo", "mi", "ne", "ru", "ta", "po", "zi", "be", "do", "fa", "gu", "hi", "jo", "qu",
      "vé", "xa", "yo", "wi", "sé"
    };
    String[] out = new String[n];
    for (int i = 0; i < n; i++) {
      StringBuilder sb = new StringBuilder();
      int len = 2 + rnd.nextInt(3);
      for (int k = 0; k < len; k++) {
        sb.append(syl[rnd.nextInt(syl.length)]);
      }
      out[i] = sb.append(i % 97).toString();
    }
    return out;
  }

  /** 4..16 words: a quarter common words, the rest Zipf-like over the vocabulary. */
  private static String text(Random rnd, String[] vocab) {
    int n = 4 + rnd.nextInt(13);
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < n; i++) {
      if (i > 0) {
        sb.append(' ');
      }
      if (rnd.nextInt(4) == 0) {
        sb.append(COMMON[rnd.nextInt(COMMON.length)]);
      } else {
        // Zipf-like: rank ~ vocab^u
        int rank = (int) Math.pow(vocab.length, rnd.nextDouble()) - 1;
        sb.append(vocab[Math.min(vocab.length - 1, rank)]);
      }
    }
    return sb.toString();
  }
}
