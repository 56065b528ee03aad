package io.parley.bench;

import io.parley.client.Api;
import io.parley.client.ParleyHttp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;

/**
 * How the bench sets up a workload on a target: accounts and conversations. Parley goes through its
 * public REST API; the ceiling relay has no accounts and takes conversations from a tiny
 * registration endpoint.
 */
interface Backend {
  String name();

  String host();

  int port();

  /** The port user {@code i} (index in {@link #users}) connects its WebSocket to. */
  default int portOf(int i) {
    return port();
  }

  /** {@code n} users with one logged-in device each: {userId, accessToken}. */
  List<String[]> users(int n, String prefix);

  /** Logs in another device of {@code user} (Parley) or reuses the identity (relay). */
  String[] device(String[] user, String prefix);

  String direct(String[] a, String[] b);

  String group(String[] owner, List<String[]> members);

  /**
   * The sum of a Prometheus series of the first node's {@code /metrics} over all its labels (e.g.
   * {@code parley_header_timeouts_total}); -1 where the target has no such figure.
   */
  default double metric(String name) {
    return -1;
  }

  /** Runs {@code n} setup calls with bounded parallelism. */
  static <T> List<T> parallel(int n, int threads, IntFunction<T> call) {
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(threads, n)));
    try {
      List<Future<T>> fs = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        int k = i;
        fs.add(pool.submit(() -> call.apply(k)));
      }
      List<T> out = new ArrayList<>(n);
      for (Future<T> f : fs) {
        out.add(f.get(10, TimeUnit.MINUTES));
      }
      return out;
    } catch (ExecutionException e) {
      throw new IllegalStateException("setup failed: " + e.getCause(), e.getCause());
    } catch (Exception e) {
      throw new IllegalStateException("setup failed: " + e, e);
    } finally {
      pool.shutdownNow();
    }
  }

  /**
   * Parley nodes through their public REST API: user {@code i} signs up on, and connects to, node
   * {@code i % ports.size()} (with 2 or 3 nodes every fixed pair of {@link Scenarios#direct} spans
   * two nodes).
   */
  final class Parley implements Backend {
    static final String PASSWORD = "bench-password-1";
    private final String host;
    private final List<Integer> ports;
    private final List<ParleyHttp> https = new ArrayList<>();
    private final ParleyHttp http;
    private final String run = Long.toString(System.currentTimeMillis() % 1_000_000_000L, 36);

    Parley(String host, int port) {
      this(host, List.of(port));
    }

    Parley(String host, List<Integer> ports) {
      this.host = host;
      this.ports = List.copyOf(ports);
      for (int p : ports) {
        https.add(new ParleyHttp("http://" + host + ":" + p));
      }
      this.http = https.get(0);
    }

    @Override
    public String name() {
      return "parley";
    }

    @Override
    public String host() {
      return host;
    }

    @Override
    public int port() {
      return ports.get(0);
    }

    @Override
    public int portOf(int i) {
      return ports.get(i % ports.size());
    }

    @Override
    public List<String[]> users(int n, String prefix) {
      return parallel(
          n,
          16,
          i -> {
            String name = prefix + run + "_" + i;
            ParleyHttp h = https.get(i % https.size());
            h.signup(name, PASSWORD);
            Api.Session s = h.login(name, PASSWORD, "bench");
            return new String[] {s.userId(), s.accessToken(), name};
          });
    }

    @Override
    public String[] device(String[] user, String prefix) {
      Api.Session s = http.login(user[2], PASSWORD, prefix);
      return new String[] {s.userId(), s.accessToken(), user[2]};
    }

    @Override
    public String direct(String[] a, String[] b) {
      return http.withToken(a[1]).createDirect(b[0]);
    }

    @Override
    public double metric(String name) {
      return http.raw("GET", "/metrics", null, null)
          .body()
          .lines()
          .filter(l -> l.startsWith(name + "{") || l.startsWith(name + " "))
          .mapToDouble(l -> Double.parseDouble(l.substring(l.lastIndexOf(' ') + 1)))
          .sum();
    }

    @Override
    public String group(String[] owner, List<String[]> members) {
      List<String> ids = new ArrayList<>();
      for (String[] m : members) {
        if (!m[0].equals(owner[0])) {
          ids.add(m[0]);
        }
      }
      return http.withToken(owner[1]).createGroup("bench", ids).conversationId();
    }
  }

  /** The ceiling relay: identities are synthetic, conversations are registered over HTTP. */
  final class Relay implements Backend {
    private static final HttpClient HTTP =
        HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();
    private final String host;
    private final int port;
    private long nextConv = 1;
    private long nextUser = 1;

    Relay(String host, int port) {
      this.host = host;
      this.port = port;
    }

    @Override
    public String name() {
      return "ceiling";
    }

    @Override
    public String host() {
      return host;
    }

    @Override
    public int port() {
      return port;
    }

    @Override
    public synchronized List<String[]> users(int n, String prefix) {
      List<String[]> out = new ArrayList<>(n);
      for (int i = 0; i < n; i++) {
        String id = Long.toString(nextUser++);
        out.add(new String[] {id, id, prefix + id});
      }
      return out;
    }

    @Override
    public String[] device(String[] user, String prefix) {
      return user;
    }

    @Override
    public String direct(String[] a, String[] b) {
      return register(List.of(a[0], b[0]));
    }

    @Override
    public String group(String[] owner, List<String[]> members) {
      List<String> ids = new ArrayList<>();
      ids.add(owner[0]);
      for (String[] m : members) {
        if (!m[0].equals(owner[0])) {
          ids.add(m[0]);
        }
      }
      return register(ids);
    }

    private String register(List<String> members) {
      String id;
      synchronized (this) {
        id = Long.toString(nextConv++);
      }
      String body =
          "{\"conversation_id\":\""
              + id
              + "\",\"member_ids\":[\""
              + String.join("\",\"", members)
              + "\"]}";
      try {
        HttpResponse<String> r =
            HTTP.send(
                HttpRequest.newBuilder(
                        URI.create("http://" + host + ":" + port + CeilingRelay.REGISTER_PATH))
                    .POST(HttpRequest.BodyPublishers.ofString(body))
                    .timeout(Duration.ofSeconds(30))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
        if (r.statusCode() != 204) {
          throw new IllegalStateException("relay refused conversation: " + r.statusCode());
        }
        return id;
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
  }
}
