package io.parley.server.ops;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * Keeps the docs in step with the public contract {@code shared/API.md}: every REST endpoint of it
 * is in {@code openapi.yaml} (with its method), and {@code docs/protocol.md} gives every WebSocket
 * frame type. Runs with the module directory as working directory (Maven's default); when {@code
 * shared/} is not beside the repository, the endpoint list committed in {@code
 * docs/api-endpoints.txt} stands in for API.md.
 */
class OpenApiCoverageTest {
  /** {@code `METHOD /path`} in a Markdown cell. */
  private static final Pattern ENDPOINT =
      Pattern.compile("`(GET|POST|PUT|PATCH|DELETE|HEAD|OPTIONS) (/[^`\\s]*)`");

  /** {@code type: "name"} in API.md's frame tables. */
  private static final Pattern FRAME_TYPE = Pattern.compile("type: \"([a-z_]+)\"");

  /** A cell separator: a pipe not escaped as {@code \|}. */
  private static final Pattern CELL = Pattern.compile("(?<!\\\\)\\|");

  private static final Set<String> HTTP_METHODS =
      Set.of("get", "put", "post", "delete", "patch", "head", "options", "trace");

  /** The frame types of API.md, in case API.md itself cannot be found. */
  private static final List<String> FRAME_TYPES = io.parley.protocol.FrameTypes.CONTRACT;

  @Test
  void openApiHasEveryRestEndpointOfTheContract() throws IOException {
    List<String> contract = contractEndpoints();
    assertThat(contract)
        .as("REST endpoints found in API.md (or docs/api-endpoints.txt)")
        .hasSizeGreaterThanOrEqualTo(30);

    JsonNode openApi = openApi();
    assertThat(openApi.path("openapi").asText()).startsWith("3.0");
    Set<String> documented = documentedOperations(openApi);
    List<String> missing = new ArrayList<>();
    for (String endpoint : contract) {
      if (!documented.contains(normalize(endpoint))) {
        missing.add(endpoint);
      }
    }
    assertThat(missing).as("API.md endpoints missing from openapi.yaml").isEmpty();
  }

  @Test
  void committedEndpointListMatchesApiMd() throws IOException {
    Optional<Path> apiMd = apiMd();
    assumeTrue(apiMd.isPresent(), "shared/API.md not found; nothing to compare the copy with");
    List<String> fromApiMd = restEndpoints(Files.readString(apiMd.get()));
    List<String> copy = endpointList(locate("../docs/api-endpoints.txt", "docs/api-endpoints.txt"));
    assertThat(copy.stream().map(OpenApiCoverageTest::normalize).toList())
        .as("docs/api-endpoints.txt must list the endpoints of API.md (regenerate it)")
        .containsExactlyInAnyOrderElementsOf(
            fromApiMd.stream().map(OpenApiCoverageTest::normalize).toList());
  }

  @Test
  void protocolDocShowsEveryFrameType() throws IOException {
    Set<String> types = new LinkedHashSet<>(FRAME_TYPES);
    Optional<Path> apiMd = apiMd();
    if (apiMd.isPresent()) {
      Set<String> fromApiMd = frameTypes(Files.readString(apiMd.get()));
      assertThat(fromApiMd).as("frame types found in API.md").containsAll(FRAME_TYPES);
      types.addAll(fromApiMd);
    }
    String doc = Files.readString(locate("../docs/protocol.md", "docs/protocol.md"));
    List<String> missing = new ArrayList<>();
    for (String type : types) {
      // a JSON example of the frame, e.g. {"type": "send", ...}
      if (!Pattern.compile("\"type\"\\s*:\\s*\"" + Pattern.quote(type) + "\"")
          .matcher(doc)
          .find()) {
        missing.add(type);
      }
    }
    assertThat(missing).as("frame types without a JSON example in docs/protocol.md").isEmpty();
  }

  // ---- the contract ----

  /** {@code METHOD /path} of every REST endpoint, from API.md or else the committed copy. */
  private static List<String> contractEndpoints() throws IOException {
    Optional<Path> apiMd = apiMd();
    if (apiMd.isPresent()) {
      return restEndpoints(Files.readString(apiMd.get()));
    }
    return endpointList(locate("../docs/api-endpoints.txt", "docs/api-endpoints.txt"));
  }

  /** {@code shared/API.md}: beside the repository (or inside it). */
  private static Optional<Path> apiMd() {
    for (String candidate : List.of("../shared/API.md", "../../shared/API.md")) {
      Path p = Path.of(candidate);
      if (Files.isRegularFile(p)) {
        return Optional.of(p);
      }
    }
    return Optional.empty();
  }

  /** The endpoints in the first cell of each row of the REST section's tables. */
  static List<String> restEndpoints(String apiMd) {
    List<String> out = new ArrayList<>();
    boolean inRest = false;
    for (String line : apiMd.split("\\R")) {
      if (line.startsWith("## ")) {
        inRest = line.startsWith("## REST");
        continue;
      }
      String row = line.strip();
      if (!inRest || !row.startsWith("|")) {
        continue;
      }
      String[] cells = CELL.split(row.substring(1), -1);
      Matcher m = ENDPOINT.matcher(cells[0]);
      while (m.find()) {
        out.add(m.group(1) + " " + m.group(2));
      }
    }
    return out;
  }

  /** The frame types named in API.md's WebSocket section. */
  static Set<String> frameTypes(String apiMd) {
    Set<String> out = new LinkedHashSet<>();
    boolean inWs = false;
    for (String line : apiMd.split("\\R")) {
      if (line.startsWith("## ")) {
        inWs = line.startsWith("## WebSocket");
        continue;
      }
      if (inWs) {
        Matcher m = FRAME_TYPE.matcher(line);
        while (m.find()) {
          out.add(m.group(1));
        }
      }
    }
    return out;
  }

  /** One {@code METHOD /path} a line; blank lines and {@code #} comments are skipped. */
  private static List<String> endpointList(Path file) throws IOException {
    List<String> out = new ArrayList<>();
    for (String line : Files.readAllLines(file)) {
      String s = line.strip();
      if (!s.isEmpty() && !s.startsWith("#")) {
        out.add(s);
      }
    }
    return out;
  }

  /** {@code GET /v1/users/{user_id}?x=y} becomes {@code GET /v1/users/{}}. */
  static String normalize(String endpoint) {
    String[] parts = endpoint.strip().split("\\s+", 2);
    String path = parts[1];
    int q = path.indexOf('?');
    if (q >= 0) {
      path = path.substring(0, q);
    }
    path = path.replaceAll("\\{[^}]*}", "{}");
    if (path.length() > 1 && path.endsWith("/")) {
      path = path.substring(0, path.length() - 1);
    }
    return parts[0].toUpperCase(Locale.ROOT) + " " + path;
  }

  // ---- the OpenAPI document ----

  private static JsonNode openApi() throws IOException {
    try (InputStream in = OpenApiCoverageTest.class.getResourceAsStream("/openapi.yaml")) {
      assertThat(in).as("classpath resource /openapi.yaml").isNotNull();
      return new ObjectMapper(new YAMLFactory()).readTree(in);
    }
  }

  private static Set<String> documentedOperations(JsonNode openApi) {
    JsonNode paths = openApi.path("paths");
    assertThat(paths.isObject()).as("openapi.yaml has paths").isTrue();
    Set<String> out = new LinkedHashSet<>();
    for (Map.Entry<String, JsonNode> path : paths.properties()) {
      for (Map.Entry<String, JsonNode> op : path.getValue().properties()) {
        if (HTTP_METHODS.contains(op.getKey())) {
          out.add(normalize(op.getKey() + " " + path.getKey()));
        }
      }
    }
    return out;
  }

  private static Path locate(String... candidates) {
    for (String candidate : candidates) {
      Path p = Path.of(candidate);
      if (Files.isRegularFile(p)) {
        return p;
      }
    }
    throw new AssertionError(
        "none of " + List.of(candidates) + " exists (cwd " + Path.of("").toAbsolutePath() + ")");
  }
}
