package io.parley.server.cluster.it;

import java.io.IOException;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * nginx from the Debian package, started as a non-daemon child process with a generated
 * configuration (its own prefix, temp dirs and error log) load-balancing WebSockets over the given
 * node ports. Fails with a clear message when nginx is not installed.
 */
final class Nginx implements AutoCloseable {
  final int port;
  final Path dir;
  private final Process process;

  private Nginx(int port, Path dir, Process process) {
    this.port = port;
    this.dir = dir;
    this.process = process;
  }

  static String binary() {
    for (String p : List.of("/usr/sbin/nginx", "/usr/bin/nginx", "/usr/local/sbin/nginx")) {
      if (Files.isExecutable(Path.of(p))) {
        return p;
      }
    }
    throw new AssertionError(
        "nginx is not installed: the cluster ITs need it (apt-get install -y nginx);"
            + " .ci/run installs it when CI=true");
  }

  static Nginx start(Path dir, List<Integer> nodePorts) throws Exception {
    String bin = binary();
    Files.createDirectories(dir.resolve("tmp"));
    int port = ClusterHarness.freePort();
    StringBuilder upstream = new StringBuilder();
    for (int p : nodePorts) {
      upstream.append("    server 127.0.0.1:").append(p).append(" max_fails=1 fail_timeout=3s;\n");
    }
    String t = dir.resolve("tmp").toString();
    String conf =
        "daemon off;\nworker_processes 1;\npid "
            + dir.resolve("nginx.pid")
            + ";\nerror_log "
            + dir.resolve("error.log")
            + " info;\nevents { worker_connections 4096; }\nhttp {\n  access_log off;\n"
            + "  client_body_temp_path "
            + t
            + "/body;\n  proxy_temp_path "
            + t
            + "/proxy;\n  fastcgi_temp_path "
            + t
            + "/fastcgi;\n  uwsgi_temp_path "
            + t
            + "/uwsgi;\n  scgi_temp_path "
            + t
            + "/scgi;\n"
            + "  map $http_upgrade $connection_upgrade { default upgrade; '' close; }\n"
            + "  upstream parley {\n    least_conn;\n"
            + upstream
            + "  }\n  server {\n    listen 127.0.0.1:"
            + port
            + ";\n    location /v1/ws {\n      proxy_pass http://parley;\n"
            + "      proxy_http_version 1.1;\n"
            + "      proxy_set_header Upgrade $http_upgrade;\n"
            + "      proxy_set_header Connection $connection_upgrade;\n"
            + "      proxy_set_header Host $host;\n"
            + "      proxy_connect_timeout 1s;\n"
            + "      proxy_read_timeout 60s;\n"
            + "      proxy_next_upstream error timeout http_502 http_503;\n"
            + "    }\n    location / {\n      proxy_pass http://parley;\n"
            + "      proxy_http_version 1.1;\n"
            + "      proxy_set_header Connection \"\";\n"
            + "      proxy_set_header Host $host;\n"
            + "      proxy_connect_timeout 1s;\n"
            + "      proxy_read_timeout 30s;\n"
            + "      proxy_next_upstream error timeout http_502 http_503 non_idempotent;\n"
            + "    }\n  }\n}\n";
    Path file = dir.resolve("nginx.conf");
    Files.writeString(file, conf);
    ProcessBuilder pb =
        new ProcessBuilder(
            bin,
            "-p",
            dir.toString(),
            "-c",
            file.toString(),
            "-e",
            dir.resolve("error.log").toString());
    pb.redirectErrorStream(true).redirectOutput(dir.resolve("stdout.log").toFile());
    Process p = pb.start();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (System.nanoTime() < deadline) {
      if (!p.isAlive()) {
        throw new IllegalStateException(
            "nginx exited: "
                + Files.readString(dir.resolve("stdout.log"))
                + (Files.exists(dir.resolve("error.log"))
                    ? Files.readString(dir.resolve("error.log"))
                    : ""));
      }
      try (Socket s = new Socket("127.0.0.1", port)) {
        return new Nginx(port, dir, p);
      } catch (IOException e) {
        Pace.pause(50);
      }
    }
    p.destroyForcibly();
    throw new IllegalStateException("nginx did not listen on " + port);
  }

  String base() {
    return "http://127.0.0.1:" + port;
  }

  @Override
  public void close() throws Exception {
    process.destroy();
    if (!process.waitFor(5, TimeUnit.SECONDS)) {
      process.destroyForcibly();
    }
  }
}
