package io.parley.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * A cgroup (v1, cpu controller) that caps the processes started in it at {@code cores} CPUs with
 * CFS bandwidth control ({@code cpu.cfs_quota_us / cpu.cfs_period_us}). A child joins it from its
 * first instruction: the command is wrapped in {@code sh -c 'echo $$ > cgroup.procs; exec ...'}.
 * {@link #close()} waits for its processes to be gone and removes the cgroup.
 */
final class CpuCgroup implements AutoCloseable {
  static final Path ROOT = Path.of("/sys/fs/cgroup/cpu");

  /** Name prefix of every cgroup the bench creates (for tests and manual clean-up). */
  static final String PREFIX = "parley-bench-";

  static final long DEFAULT_PERIOD_US = 100_000;

  final Path dir;
  final double cores;
  final long periodUs;

  private CpuCgroup(Path dir, double cores, long periodUs) {
    this.dir = dir;
    this.cores = cores;
    this.periodUs = periodUs;
  }

  /** True if the cgroup v1 cpu controller is mounted and writable here. */
  static boolean available() {
    return Files.isRegularFile(ROOT.resolve("cpu.cfs_quota_us")) && Files.isWritable(ROOT);
  }

  /** Creates cgroup {@code PREFIX + name} capped at {@code cores} CPUs, default period. */
  static CpuCgroup create(String name, double cores) {
    return create(name, cores, DEFAULT_PERIOD_US);
  }

  /** Creates cgroup {@code PREFIX + name} capped at {@code cores} CPUs per {@code periodUs}. */
  static CpuCgroup create(String name, double cores, long periodUs) {
    if (periodUs < 1000 || periodUs > 1_000_000) {
      throw new IllegalArgumentException("CFS period must be 1000..1000000 µs, got " + periodUs);
    }
    if (!(cores > 0)) {
      throw new IllegalArgumentException("CPU quota must be > 0 cores, got " + cores);
    }
    if (!available()) {
      throw new IllegalStateException(
          "--node-cpu-quota needs the cgroup v1 cpu controller, writable (root), at "
              + ROOT
              + "; it is missing or not writable here");
    }
    Path dir = ROOT.resolve(PREFIX + name);
    try {
      Files.createDirectory(dir);
      CpuCgroup g = new CpuCgroup(dir, cores, periodUs);
      g.write("cpu.cfs_period_us", Long.toString(periodUs));
      g.write("cpu.cfs_quota_us", Long.toString(Math.round(cores * periodUs)));
      return g;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create cgroup " + dir, e);
    }
  }

  private void write(String file, String value) throws IOException {
    Files.writeString(dir.resolve(file), value, StandardCharsets.US_ASCII);
  }

  /** {@code cmd} wrapped so that the process runs inside this cgroup from its start. */
  List<String> wrap(List<String> cmd) {
    List<String> w = new ArrayList<>();
    w.add("sh");
    w.add("-c");
    w.add("echo $$ > \"$0\" && exec \"$@\"");
    w.add(dir.resolve("cgroup.procs").toString());
    w.addAll(cmd);
    return w;
  }

  /** Pids in the cgroup now. */
  List<Long> pids() {
    try (Stream<String> lines = Files.lines(dir.resolve("cgroup.procs"))) {
      return lines.filter(l -> !l.isBlank()).map(Long::parseLong).toList();
    } catch (IOException e) {
      return List.of();
    }
  }

  /** Quota and throttling so far ({@code cpu.stat}): periods, throttled periods and seconds. */
  Map<String, Object> stats() {
    Map<String, Object> m = new LinkedHashMap<>();
    m.put("cgroup", dir.toString());
    m.put("cpu_quota_cores", cores);
    m.put("cfs_period_us", periodUs);
    m.put("cfs_quota_us", Math.round(cores * periodUs));
    try {
      for (String line : Files.readAllLines(dir.resolve("cpu.stat"))) {
        String[] kv = line.trim().split(" ");
        if (kv.length == 2 && kv[0].equals("throttled_time")) {
          m.put("throttled_s", Long.parseLong(kv[1]) / 1e9);
        } else if (kv.length == 2) {
          m.put(kv[0], Long.parseLong(kv[1]));
        }
      }
    } catch (IOException | RuntimeException e) {
      m.put("cpu_stat", "unreadable: " + e);
    }
    return m;
  }

  /** The bench's cgroups present now (left-overs after a run mean a clean-up bug). */
  static List<String> existing() {
    if (!Files.isDirectory(ROOT)) {
      return List.of();
    }
    try (Stream<Path> s = Files.list(ROOT)) {
      return s.map(p -> p.getFileName().toString()).filter(n -> n.startsWith(PREFIX)).toList();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Waits (up to 15 s) until no process is left in the cgroup, then removes it. */
  @Override
  public void close() {
    long deadline = System.nanoTime() + 15_000_000_000L;
    try {
      while (!pids().isEmpty() && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Files.deleteIfExists(dir);
    } catch (IOException e) {
      System.err.println("cannot remove cgroup " + dir + " (still has " + pids() + "): " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
