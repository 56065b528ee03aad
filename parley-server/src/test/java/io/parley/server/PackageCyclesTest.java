package io.parley.server;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.spi.ToolProvider;
import org.junit.jupiter.api.Test;

/**
 * Package dependencies of the server, read by {@code jdeps} from the compiled classes: the packages
 * whose cycles were broken (gateway/presence, messaging/conversation, cluster/gateway) stay out of
 * every cycle.
 */
class PackageCyclesTest {
  private static final String PREFIX = "io.parley.server.";
  private static final Pattern EDGE =
      Pattern.compile(
          "^\\s+(io\\.parley\\.server[\\w.]*)\\s+->\\s+(io\\.parley\\.server[\\w.]*)\\s");

  @Test
  void brokenCyclesStayBroken() throws URISyntaxException {
    Map<String, Set<String>> edges = dependencies();
    assertThat(edges).as("jdeps found the server's packages").containsKeys("gateway", "presence");
    assertThat(edges.get("gateway")).contains("presence");
    List<Set<String>> cycles = cycles(edges);
    for (String p :
        List.of("presence", "cluster", "messaging", "conversation", "delivery", "auth")) {
      assertThat(cycles).as(p + " in a package cycle").noneMatch(c -> c.contains(p));
    }
  }

  /** Package -> packages it uses, server packages only, names without the common prefix. */
  private static Map<String, Set<String>> dependencies() throws URISyntaxException {
    Path classes =
        Path.of(Wiring.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    StringWriter out = new StringWriter();
    int rc =
        jdeps.run(
            new PrintWriter(out),
            new PrintWriter(new StringWriter()),
            "-verbose:package",
            "-filter:none",
            "-e",
            "io\\.parley\\.server.*",
            classes.toString());
    assertThat(rc).as(out.toString()).isZero();
    Map<String, Set<String>> edges = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      Matcher m = EDGE.matcher(line);
      if (m.find() && !m.group(1).equals(m.group(2))) {
        edges.computeIfAbsent(name(m.group(1)), k -> new TreeSet<>()).add(name(m.group(2)));
      }
    }
    return edges;
  }

  private static String name(String pkg) {
    return pkg.startsWith(PREFIX) ? pkg.substring(PREFIX.length()) : "(root)";
  }

  /** Strongly connected components of more than one package (Tarjan). */
  private static List<Set<String>> cycles(Map<String, Set<String>> edges) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<Set<String>> out = new ArrayList<>();
    for (String v : edges.keySet()) {
      if (!index.containsKey(v)) {
        visit(v, edges, index, low, stack, onStack, out);
      }
    }
    return out;
  }

  private static void visit(
      String v,
      Map<String, Set<String>> edges,
      Map<String, Integer> index,
      Map<String, Integer> low,
      Deque<String> stack,
      Set<String> onStack,
      List<Set<String>> out) {
    index.put(v, index.size());
    low.put(v, index.get(v));
    stack.push(v);
    onStack.add(v);
    for (String w : edges.getOrDefault(v, Set.of())) {
      if (!index.containsKey(w)) {
        visit(w, edges, index, low, stack, onStack, out);
        low.put(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.contains(w)) {
        low.put(v, Math.min(low.get(v), index.get(w)));
      }
    }
    if (low.get(v).equals(index.get(v))) {
      Set<String> component = new TreeSet<>();
      String w;
      do {
        w = stack.pop();
        onStack.remove(w);
        component.add(w);
      } while (!w.equals(v));
      if (component.size() > 1) {
        out.add(component);
      }
    }
  }
}
