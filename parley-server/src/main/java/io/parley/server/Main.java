package io.parley.server;

import io.parley.server.config.ConfigLoader;
import io.parley.server.config.ParleyConfig;
import io.parley.server.ops.StartupPhases;
import java.nio.file.Path;

/** Starts a node: {@code java -jar parley-server.jar [--config parley.yaml]}. */
public final class Main {
  private Main() {}

  @SuppressForbidden(reason = "the command line's usage text and ready banner go to stdout")
  public static void main(String[] args) {
    Path file = null;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--config") && i + 1 < args.length) {
        file = Path.of(args[++i]);
      } else if (args[i].equals("--help")) {
        System.out.println(
            "usage: parley-server [--config FILE]   (settings: parley.yaml, env PARLEY_*)");
        return;
      }
    }
    long t0 = System.nanoTime();
    StartupPhases phases = new StartupPhases();
    // Vert.x and the SQLite library load on other threads while the configuration is read
    ParleyNode.HeadStart head = new ParleyNode.HeadStart(phases);
    ParleyConfig cfg;
    try {
      Path configFile = file;
      cfg = phases.time("config", () -> ConfigLoader.fromEnvironment(configFile));
    } catch (RuntimeException e) {
      head.close();
      throw e;
    }
    ParleyNode node = ParleyNode.start(cfg, java.time.Clock.systemUTC(), phases, head);
    Runtime.getRuntime().addShutdownHook(new Thread(node::close, "parley-shutdown"));
    String host = cfg.server().host().equals("0.0.0.0") ? "localhost" : cfg.server().host();
    String store =
        cfg.store().type().equals("sqlite")
            ? "sqlite "
                + Path.of(cfg.store().dataDir(), cfg.store().sqliteFile())
                    .toAbsolutePath()
                    .normalize()
            : "postgres " + cfg.store().postgresUrl();
    System.out.printf(
        java.util.Locale.ROOT,
        "Parley node %d ready in %d ms%n  http:      http://%s:%d/%n  websocket: ws://%s:%d/v1/ws%n  store:     %s%n",
        cfg.node().id(),
        (System.nanoTime() - t0) / 1_000_000,
        host,
        node.port(),
        host,
        node.port(),
        store);
  }
}
