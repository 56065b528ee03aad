package io.parley.server.media;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import io.parley.client.Api;
import io.parley.client.ParleyHttp;
import io.parley.protocol.Json;
import io.parley.server.testsupport.ChildNodes;
import java.io.IOException;
import java.io.InputStream;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A 100 MiB document uploaded to, and downloaded back from, a node running in a child JVM with a 64
 * MiB heap: it can only succeed if neither direction holds the file in memory. Reports upload and
 * download throughput and the highest heap use sampled from the node's /metrics.
 */
class MediaLargeUploadIT {
  private static final long SIZE = 100L * 1024 * 1024;
  private static final Pattern HEAP =
      Pattern.compile("(?m)^jvm_memory_used_bytes\\{[^}]*area=\"heap\"[^}]*} ([0-9.eE+]+)$");

  @TempDir Path data;

  @Test
  void hundredMiBThroughA64MiBHeap() throws Exception {
    int port;
    try (ServerSocket s = new ServerSocket(0)) {
      port = s.getLocalPort();
    }
    Process node = startNode(port);
    ScheduledExecutorService sampler = Executors.newSingleThreadScheduledExecutor();
    try {
      String base = "http://127.0.0.1:" + port;
      Api.Session s = new ParleyHttp(base).signupAndLogin("big_uploader", "correct horse battery");
      HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
      AtomicLong maxHeap = new AtomicLong();
      sampler.scheduleAtFixedRate(
          () -> maxHeap.accumulateAndGet(heapUsed(http, base), Math::max),
          0,
          100,
          TimeUnit.MILLISECONDS);

      // a PDF header, then pseudo-random bytes, streamed from a generator with a Content-Length
      String expectedSha = sha256(pdfStream());
      long t0 = System.nanoTime();
      HttpResponse<String> up =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/media?kind=document&file_name=big.pdf"))
                  .header("Authorization", "Bearer " + s.accessToken())
                  .header("Content-Type", "application/pdf")
                  .timeout(Duration.ofMinutes(5))
                  .POST(
                      HttpRequest.BodyPublishers.fromPublisher(
                          HttpRequest.BodyPublishers.ofInputStream(this::pdfStream), SIZE))
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      double upSeconds = (System.nanoTime() - t0) / 1e9;
      assertThat(up.statusCode()).as(up.body()).isEqualTo(201);
      JsonNode j = Json.read(up.body(), JsonNode.class);
      assertThat(j.path("size").asLong()).isEqualTo(SIZE);
      assertThat(j.path("sha256").asText()).isEqualTo(expectedSha);

      long t1 = System.nanoTime();
      HttpResponse<InputStream> down =
          http.send(
              HttpRequest.newBuilder(URI.create(base + "/v1/media/" + j.path("media_id").asText()))
                  .header("Authorization", "Bearer " + s.accessToken())
                  .timeout(Duration.ofMinutes(5))
                  .build(),
              HttpResponse.BodyHandlers.ofInputStream());
      assertThat(down.statusCode()).isEqualTo(200);
      String downSha;
      try (InputStream in = down.body()) {
        downSha = sha256(in);
      }
      double downSeconds = (System.nanoTime() - t1) / 1e9;
      assertThat(downSha).isEqualTo(expectedSha);
      sampler.shutdown();
      sampler.awaitTermination(5, TimeUnit.SECONDS);

      String report =
          String.format(
              "MediaLargeUploadIT: 100 MiB upload %.1f MB/s (%.2f s), download %.1f MB/s (%.2f s),"
                  + " node -Xmx64m, max sampled heap used %.1f MiB%n",
              SIZE / 1e6 / upSeconds,
              upSeconds,
              SIZE / 1e6 / downSeconds,
              downSeconds,
              maxHeap.get() / 1048576.0);
      System.out.print(report);
      Files.writeString(Path.of("target", "media-large-upload.txt"), report);
      assertThat(maxHeap.get()).isPositive().isLessThan(64L * 1024 * 1024);
    } finally {
      sampler.shutdownNow();
      node.destroy();
      if (!node.waitFor(15, TimeUnit.SECONDS)) {
        node.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    }
  }

  private InputStream pdfStream() {
    byte[] head = "%PDF-1.7\n%".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
    return new java.io.SequenceInputStream(
        new java.io.ByteArrayInputStream(head), MediaHttp.generated(SIZE - head.length, 2024));
  }

  private static String sha256(InputStream in) throws IOException {
    MessageDigest md = Sha256.digest();
    byte[] buf = new byte[1 << 16];
    int n;
    while ((n = in.read(buf)) > 0) {
      md.update(buf, 0, n);
    }
    return Sha256.hex(md.digest());
  }

  private static long heapUsed(HttpClient http, String base) {
    try {
      String text =
          http.send(
                  HttpRequest.newBuilder(URI.create(base + "/metrics")).build(),
                  HttpResponse.BodyHandlers.ofString())
              .body();
      Matcher m = HEAP.matcher(text);
      double sum = 0;
      while (m.find()) {
        sum += Double.parseDouble(m.group(1));
      }
      return (long) sum;
    } catch (IOException e) {
      return 0;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return 0;
    }
  }

  private Process startNode(int port) throws Exception {
    String java = ProcessHandle.current().info().command().orElse("java");
    ProcessBuilder pb =
        new ProcessBuilder(
            java, "-Xmx64m", "-cp", System.getProperty("java.class.path"), "io.parley.server.Main");
    pb.environment()
        .putAll(
            Map.of(
                "PARLEY_SERVER_PORT", Integer.toString(port),
                "PARLEY_SERVER_HOST", "127.0.0.1",
                "PARLEY_SERVER_EVENT_LOOPS", "2",
                "PARLEY_STORE_DATA_DIR", data.toString(),
                "PARLEY_AUTH_ARGON2_MEMORY_KIB", "1024",
                "PARLEY_AUTH_ARGON2_ITERATIONS", "1"));
    pb.redirectErrorStream(true).redirectOutput(data.resolve("node.log").toFile());
    Process p = pb.start();
    try {
      ChildNodes.awaitReady(p, "http://127.0.0.1:" + port, data.resolve("node.log"));
    } catch (RuntimeException e) {
      p.destroyForcibly();
      throw e;
    }
    return p;
  }
}
