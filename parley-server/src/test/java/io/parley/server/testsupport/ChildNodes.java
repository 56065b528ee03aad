package io.parley.server.testsupport;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.awaitility.Awaitility;

/** Helpers for tests that run a node as a separate process (SIGKILL, small heaps, clusters). */
public final class ChildNodes {
  private static final HttpClient HTTP = HttpClient.newHttpClient();

  private ChildNodes() {}

  /**
   * Waits (up to 60 s) until the node process answers {@code /health/ready} with 200 on {@code
   * baseUrl}; fails at once with its log if the process dies first.
   */
  public static void awaitReady(Process p, String baseUrl, Path log) {
    Awaitility.await("node ready (log: " + log + ")")
        .atMost(Duration.ofSeconds(60))
        .pollInterval(Duration.ofMillis(100))
        .until(
            () -> {
              if (!p.isAlive()) {
                throw new IllegalStateException("node died: " + Files.readString(log));
              }
              try {
                return HTTP.send(
                            HttpRequest.newBuilder(URI.create(baseUrl + "/health/ready")).build(),
                            HttpResponse.BodyHandlers.discarding())
                        .statusCode()
                    == 200;
              } catch (IOException e) {
                return false; // not up yet
              }
            });
  }
}
