package io.parley.server.media;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.awaitility.Awaitility;

/**
 * A real S3-compatible server for tests: S3Proxy 2.6.0 (jclouds filesystem backend) in its own JVM.
 * Its classpath is resolved by Maven from {@code src/test/s3proxy/pom.xml} into {@code
 * target/s3proxy.classpath} (once; Maven Central or the local repository), because its Netty 4.1 /
 * Jetty 11 dependencies clash with ours. Fails (never skips) when it cannot start.
 */
final class S3ProxyProcess implements AutoCloseable {
  static final String ACCESS_KEY = "parley-test-access";
  static final String SECRET_KEY = "parley-test-secret-key";

  private final Process process;
  private final int port;

  private S3ProxyProcess(Process process, int port) {
    this.process = process;
    this.port = port;
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  static S3ProxyProcess start(Path dir) {
    try {
      String cp = classpath();
      int port;
      try (ServerSocket s = new ServerSocket(0)) {
        port = s.getLocalPort();
      }
      Path data = Files.createDirectories(dir.resolve("s3data"));
      Path props = dir.resolve("s3proxy.properties");
      Files.writeString(
          props,
          String.join(
              "\n",
              "s3proxy.endpoint=http://127.0.0.1:" + port,
              "s3proxy.authorization=aws-v2-or-v4",
              "s3proxy.identity=" + ACCESS_KEY,
              "s3proxy.credential=" + SECRET_KEY,
              "jclouds.provider=filesystem",
              "jclouds.identity=unused",
              "jclouds.credential=unused",
              "jclouds.filesystem.basedir=" + data,
              ""));
      Path java = Path.of(System.getProperty("java.home"), "bin", "java");
      Process p =
          new ProcessBuilder(
                  java.toString(),
                  "-Xmx256m",
                  "-cp",
                  cp,
                  "org.gaul.s3proxy.Main",
                  "--properties",
                  props.toString())
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("s3proxy.log").toFile())
              .start();
      S3ProxyProcess s3 = new S3ProxyProcess(p, port);
      try {
        Awaitility.await(
                "S3Proxy listening on " + port + " (log: " + dir.resolve("s3proxy.log") + ")")
            .atMost(Duration.ofSeconds(60))
            .pollInterval(Duration.ofMillis(100))
            .until(
                () -> {
                  if (!p.isAlive()) {
                    throw new IllegalStateException(
                        "S3Proxy exited: " + Files.readString(dir.resolve("s3proxy.log")));
                  }
                  try (Socket sock = new Socket()) {
                    sock.connect(new InetSocketAddress("127.0.0.1", port), 200);
                    return true;
                  } catch (IOException e) {
                    return false;
                  }
                });
      } catch (RuntimeException e) {
        s3.close();
        throw e;
      }
      return s3;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** S3Proxy's runtime classpath, resolved by Maven on first use. */
  private static synchronized String classpath() throws IOException {
    Path out = Path.of("target", "s3proxy.classpath").toAbsolutePath();
    if (!Files.isRegularFile(out) || Files.size(out) == 0) {
      Path mvnw = Path.of("..", "mvnw").toAbsolutePath().normalize();
      ProcessBuilder pb =
          new ProcessBuilder(
                  mvnw.toString(),
                  "-q",
                  "-B",
                  "-f",
                  Path.of("src", "test", "s3proxy", "pom.xml").toAbsolutePath().toString(),
                  "dependency:build-classpath",
                  "-Dmdep.outputFile=" + out)
              .redirectErrorStream(true)
              .redirectOutput(Path.of("target", "s3proxy-resolve.log").toFile());
      pb.environment().put("JAVA_HOME", System.getProperty("java.home"));
      Process p = pb.start();
      try {
        if (!p.waitFor(5, TimeUnit.MINUTES) || p.exitValue() != 0) {
          p.destroyForcibly();
          throw new IllegalStateException(
              "cannot resolve S3Proxy's classpath: "
                  + Files.readString(Path.of("target", "s3proxy-resolve.log")));
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException(e);
      }
    }
    String cp = Files.readString(out).trim();
    if (cp.isEmpty()
        || List.of(cp.split(java.io.File.pathSeparator)).stream()
            .noneMatch(s -> s.contains("s3proxy"))) {
      throw new IllegalStateException("no S3Proxy jar in " + out);
    }
    return cp;
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(10, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
