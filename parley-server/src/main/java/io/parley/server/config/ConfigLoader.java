package io.parley.server.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.PropertyNamingStrategies;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Locale;
import java.util.Map;

/**
 * Loads {@link ParleyConfig}: the bundled {@code parley.yaml} defaults, then an optional file, then
 * {@code PARLEY_*} environment variables (and explicit overrides, used by tests), each layer
 * winning over the previous. Unknown keys in a file are rejected so typos surface.
 */
public final class ConfigLoader {
  private static final ObjectMapper YAML =
      new ObjectMapper(new YAMLFactory())
          .setPropertyNamingStrategy(PropertyNamingStrategies.SNAKE_CASE)
          .configure(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES, true);

  private ConfigLoader() {}

  /**
   * Loads the configuration from the bundled defaults and the given layers.
   *
   * @param file optional YAML file layered over the defaults (null for none)
   * @param env environment variables (normally {@code System.getenv()})
   * @param overrides dotted keys ({@code "server.port"}) to values, applied last
   */
  public static ParleyConfig load(
      Path file, Map<String, String> env, Map<String, String> overrides) {
    try {
      ObjectNode tree;
      try (InputStream in = ConfigLoader.class.getResourceAsStream("/parley.yaml")) {
        tree = (ObjectNode) YAML.readTree(in);
      }
      if (file != null) {
        JsonNode user = YAML.readTree(Files.readString(file));
        if (user != null && user.isObject()) {
          merge(tree, (ObjectNode) user, "");
        }
      }
      applyEnv(tree, "", env);
      for (Map.Entry<String, String> e : overrides.entrySet()) {
        set(tree, e.getKey(), e.getValue());
      }
      return YAML.treeToValue(tree, ParleyConfig.class);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot load configuration: " + e.getMessage(), e);
    }
  }

  /** Defaults plus environment, honouring {@code PARLEY_CONFIG} as the file. */
  public static ParleyConfig fromEnvironment(Path file) {
    Map<String, String> env = System.getenv();
    Path f =
        file != null
            ? file
            : env.containsKey("PARLEY_CONFIG") ? Path.of(env.get("PARLEY_CONFIG")) : null;
    return load(f, env, Map.of());
  }

  private static void merge(ObjectNode base, ObjectNode over, String path) {
    Iterator<Map.Entry<String, JsonNode>> it = over.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String key = path.isEmpty() ? e.getKey() : path + "." + e.getKey();
      JsonNode existing = base.get(e.getKey());
      if (existing == null) {
        throw new IllegalArgumentException("unknown configuration key: " + key);
      }
      if (existing.isObject() && e.getValue().isObject()) {
        merge((ObjectNode) existing, (ObjectNode) e.getValue(), key);
      } else {
        base.set(e.getKey(), e.getValue());
      }
    }
  }

  private static void applyEnv(ObjectNode node, String prefix, Map<String, String> env) {
    Iterator<Map.Entry<String, JsonNode>> it = node.fields();
    while (it.hasNext()) {
      Map.Entry<String, JsonNode> e = it.next();
      String path = prefix.isEmpty() ? e.getKey() : prefix + "." + e.getKey();
      if (e.getValue().isObject()) {
        applyEnv((ObjectNode) e.getValue(), path, env);
      } else {
        String name = "PARLEY_" + path.replace('.', '_').toUpperCase(Locale.ROOT);
        String v = env.get(name);
        if (v != null) {
          node.put(e.getKey(), v);
        }
      }
    }
  }

  private static void set(ObjectNode root, String dotted, String value) {
    String[] parts = dotted.split("\\.");
    ObjectNode n = root;
    for (int i = 0; i < parts.length - 1; i++) {
      JsonNode child = n.get(parts[i]);
      if (child == null || !child.isObject()) {
        throw new IllegalArgumentException("unknown configuration key: " + dotted);
      }
      n = (ObjectNode) child;
    }
    if (!n.has(parts[parts.length - 1])) {
      throw new IllegalArgumentException("unknown configuration key: " + dotted);
    }
    n.put(parts[parts.length - 1], value);
  }
}
