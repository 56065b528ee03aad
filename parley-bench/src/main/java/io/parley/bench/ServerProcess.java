package io.parley.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * A Parley node or the ceiling relay in its own JVM (a child process), optionally pinned with
 * {@code taskset} and capped by a {@link CpuCgroup}. Killed (gracefully, then forcibly) on close.
 */
final class ServerProcess implements AutoCloseable {
  static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();
  static final String JWT_SECRET =
      "YmVuY2gtc2VjcmV0LWJlbmNoLXNlY3JldC1iZW5jaC1zZWNyZXQtMTIzNDU2Nzg5MA==";

  final Process process;
  final int port;
  final long startedNanos;
  final List<String> command;

  private ServerProcess(Process p, int port, long startedNanos, List<String> command) {
    this.process = p;
    this.port = port;
    this.startedNanos = startedNanos;
    this.command = command;
  }

  long pid() {
    return process.pid();
  }

  /** The runnable server jar next to parley-server's jar on our classpath, or null. */
  static Path shadedServerJar() {
    for (String e : System.getProperty("java.class.path").split(java.io.File.pathSeparator)) {
      Path p = Path.of(e);
      String name = p.getFileName() == null ? "" : p.getFileName().toString();
      if (name.startsWith("parley-server-")
          && name.endsWith(".jar")
          && !name.endsWith("-all.jar")) {
        Path all = p.resolveSibling(name.substring(0, name.length() - 4) + "-all.jar");
        if (Files.isRegularFile(all)) {
          return all;
        }
      }
    }
    return null;
  }

  static int freePort() {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  /** Bench settings for a Parley child: its own data dir, cheap Argon2 (accounts only). */
  static Map<String, String> parleyEnv(Path dataDir, int port, String store) {
    Map<String, String> env = new java.util.HashMap<>();
    env.put("PARLEY_SERVER_PORT", Integer.toString(port));
    env.put("PARLEY_SERVER_HOST", "127.0.0.1");
    env.put("PARLEY_STORE_DATA_DIR", dataDir.toString());
    env.put("PARLEY_STORE_TYPE", store);
    env.put("PARLEY_AUTH_ARGON2_MEMORY_KIB", "1024");
    env.put("PARLEY_AUTH_ARGON2_ITERATIONS", "1");
    env.put("PARLEY_AUTH_JWT_SECRET", JWT_SECRET);
    env.put("PARLEY_AUTH_ACCESS_TOKEN_TTL_SECONDS", "7200");
    env.put("PARLEY_SERVER_SHUTDOWN_GRACE_SECONDS", "2");
    // the load generator connects thousands of clients from one address
    env.put("PARLEY_LIMITS_ENABLED", "false");
    return env;
  }

  /**
   * Starts {@code mainClass} on the bench's own classpath (which includes parley-server).
   *
   * @param cpus taskset CPU list or null
   * @param cgroup CPU-capped cgroup to run in, or null
   */
  static ServerProcess start(
      String mainClass,
      List<String> args,
      Map<String, String> env,
      List<String> jvmArgs,
      String cpus,
      CpuCgroup cgroup,
      int port,
      Path log)
      throws IOException {
    List<String> cmd = new ArrayList<>();
    if (cpus != null) {
      cmd.addAll(List.of("taskset", "-c", cpus));
    }
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(jvmArgs);
    if (!"io.parley.server.Main".equals(mainClass)) {
      // a Parley node configures its own logging (INFO, async) as in production
      Path logback = log.resolveSibling("server-logback.xml");
      if (!Files.exists(logback)) {
        try (var in = ServerProcess.class.getResourceAsStream("/server-logback.xml")) {
          Files.copy(in, logback);
        }
      }
      cmd.add("-Dlogback.configurationFile=" + logback);
    }
    Path serverJar = "io.parley.server.Main".equals(mainClass) ? shadedServerJar() : null;
    if (serverJar != null) {
      // the production artifact, as bin/parley runs it (and class-data sharing needs jars only)
      cmd.add("-jar");
      cmd.add(serverJar.toString());
    } else {
      cmd.add("-cp");
      cmd.add(System.getProperty("java.class.path"));
      cmd.add(mainClass);
    }
    cmd.addAll(args);
    ProcessBuilder pb =
        new ProcessBuilder(cgroup == null ? cmd : cgroup.wrap(cmd)).redirectErrorStream(true);
    pb.redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()));
    pb.environment().putAll(env);
    long t0 = System.nanoTime();
    Process p = pb.start();
    return new ServerProcess(p, port, t0, cmd);
  }

  /** Polls {@code path} until it answers 200; returns ms since process start, or -1. */
  long awaitReady(String path, long timeoutMs) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutMs * 1_000_000L;
    HttpRequest req =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path))
            .timeout(Duration.ofSeconds(2))
            .build();
    while (System.nanoTime() < deadline && process.isAlive()) {
      try {
        HttpResponse<Void> r = HTTP.send(req, HttpResponse.BodyHandlers.discarding());
        if (r.statusCode() == 200) {
          return (System.nanoTime() - startedNanos) / 1_000_000;
        }
      } catch (IOException e) {
        // not listening yet
      }
      Thread.sleep(2);
    }
    return -1;
  }

  /**
   * CPU seconds (user + system) the process has used so far, from /proc/<pid>/stat; NaN if unknown.
   */
  double cpuSeconds() {
    return cpuSecondsOf(pid());
  }

  /** CPU seconds (user + system) of process {@code pid} from /proc (clock ticks of 1/100 s). */
  static double cpuSecondsOf(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      // fields after the parenthesised command name: state is field 3, utime 14, stime 15
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) / 100.0;
    } catch (IOException | RuntimeException e) {
      return Double.NaN;
    }
  }

  /** Resident set size of the process in bytes (from /proc), or -1. */
  long rssBytes() {
    try {
      for (String line : Files.readAllLines(Path.of("/proc/" + pid() + "/status"))) {
        if (line.startsWith("VmRSS:")) {
          return Long.parseLong(line.replaceAll("[^0-9]", "")) * 1024;
        }
      }
    } catch (IOException | RuntimeException e) {
      // fall through
    }
    return -1;
  }

  /** Forces a full GC with jcmd, then reads used heap from /metrics; -1 if unavailable. */
  long heapAfterGc() throws InterruptedException {
    try {
      Process j =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
                  Long.toString(pid()),
                  "GC.run")
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      j.waitFor(60, TimeUnit.SECONDS);
      HttpResponse<String> r =
          HTTP.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/metrics"))
                  .timeout(Duration.ofSeconds(30))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      long sum = 0;
      for (String line : r.body().split("\n")) {
        if (line.startsWith("jvm_memory_used_bytes{") && line.contains("area=\"heap\"")) {
          sum += (long) Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1));
        }
      }
      return sum;
    } catch (IOException e) {
      return -1;
    }
  }

  /** Runs {@code jcmd <pid> args...}, e.g. JFR.start / JFR.stop around the measured steps. */
  void jcmd(String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "jcmd").toString());
    cmd.add(Long.toString(pid()));
    cmd.addAll(List.of(args));
    try {
      new ProcessBuilder(cmd)
          .redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD)
          .start()
          .waitFor(60, TimeUnit.SECONDS);
    } catch (IOException e) {
      System.err.println("jcmd failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(15, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      process.destroyForcibly();
    }
  }
}
