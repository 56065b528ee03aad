package io.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.ParleyNode;
import io.parley.server.config.ConfigLoader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every scenario at a tiny size against a real in-process Parley node (and the ceiling relay):
 * asserts correctness only — every message delivered exactly once, in order, nothing lost. No
 * timing is asserted.
 */
class ScenariosTest {
  static ParleyNode node;
  static CeilingRelay relay;

  @BeforeAll
  static void start() throws Exception {
    Path dir = Files.createTempDirectory("parley-bench-test-");
    Map<String, String> o = new HashMap<>();
    o.put("server.port", "0");
    o.put("server.host", "127.0.0.1");
    o.put("store.data_dir", dir.toString());
    o.put("auth.argon2_memory_kib", "1024");
    o.put("auth.argon2_iterations", "1");
    o.put("auth.jwt_secret", ServerProcess.JWT_SECRET);
    o.put("server.shutdown_grace_seconds", "1");
    o.put("limits.enabled", "false"); // the scenarios sign up many users from one address
    node = ParleyNode.start(ConfigLoader.load(null, Map.of(), o));
    relay = CeilingRelay.start("127.0.0.1", 0);
  }

  @AfterAll
  static void stop() {
    node.close();
    relay.close();
  }

  static Scenarios.Opts tiny() {
    Scenarios.Opts o = new Scenarios.Opts();
    o.users = 10;
    o.rates = new double[] {100, 200};
    o.seconds = 1;
    o.warmup = 0.5;
    o.groupSize = 8;
    o.senders = 3;
    o.groupRates = new double[] {50};
    o.connections = 20;
    o.holdSeconds = 1;
    o.sources = 2;
    o.stormClients = 10;
    o.missed = 5;
    return o;
  }

  private static Backend parley() {
    return new Backend.Parley("127.0.0.1", node.port());
  }

  private static Backend ceiling() {
    return new Backend.Relay("127.0.0.1", relay.port());
  }

  private static void assertExactlyOnceInOrder(Scenarios.Sweep s) {
    assertThat(s.steps()).isNotEmpty();
    for (Traffic.Step st : s.steps()) {
      assertThat(st.sent()).isEqualTo((long) Math.floor(st.offered() * st.seconds()));
      assertThat(st.acked()).isEqualTo(st.sent());
      assertThat(st.delivered()).isEqualTo(st.expected());
      assertThat(st.lost()).isZero();
      assertThat(st.duplicates()).isZero();
      assertThat(st.outOfOrder()).isZero();
      assertThat(st.errors()).isZero();
      assertThat(st.closes()).isZero();
    }
  }

  @Test
  void directDeliversEveryMessageOnceInOrder() throws Exception {
    assertExactlyOnceInOrder(Scenarios.direct(parley(), tiny()));
  }

  @Test
  void directWithReceiptsAcknowledgesEveryMessage() throws Exception {
    Scenarios.Opts o = tiny();
    o.receipts = true;
    long flushes = node.wiring().receipts().flushes();
    assertExactlyOnceInOrder(Scenarios.direct(parley(), o));
    assertThat(node.wiring().receipts().flushes()).as("receipt flushes").isGreaterThan(flushes);
    assertExactlyOnceInOrder(Scenarios.direct(ceiling(), o));
  }

  @Test
  void directOnTheCeilingRelayToo() throws Exception {
    assertExactlyOnceInOrder(Scenarios.direct(ceiling(), tiny()));
  }

  @Test
  void directRandomCreatesConversationsOnFirstSendAndDeliversOnceInOrder() throws Exception {
    Scenarios.Opts o = tiny();
    o.targetCpuSeconds = () -> ServerProcess.cpuSecondsOf(ProcessHandle.current().pid());
    Scenarios.Sweep s = Scenarios.directRandom(parley(), o);
    assertExactlyOnceInOrder(s);
    // 10 users, 150 + 300 sends to random others: far more than the 45 pairs, so most pairs
    // got their first message (a new conversation) while other pairs were already warm
    assertThat(s.steps().stream().mapToLong(Traffic.Step::sent).sum()).isGreaterThan(45);
    @SuppressWarnings("unchecked")
    var steps = (java.util.List<Map<String, Object>>) s.json().get("steps");
    assertThat(steps.get(0).get("target_cpu_s_per_1000_delivered")).isInstanceOf(Double.class);
    assertExactlyOnceInOrder(Scenarios.directRandom(ceiling(), tiny()));
  }

  @Test
  void cpuPerThousandDelivered() {
    assertThat(Scenarios.perThousand(2.0, 4000)).isEqualTo(0.5);
    assertThat(Scenarios.perThousand(Double.NaN, 4000)).isNull();
    assertThat(Scenarios.perThousand(1.0, 0)).isNull();
    assertThat(ServerProcess.cpuSecondsOf(ProcessHandle.current().pid())).isPositive();
  }

  @Test
  void groupFansOutToEveryMemberOnceInOrder() throws Exception {
    Scenarios.Sweep s = Scenarios.group(parley(), tiny());
    assertExactlyOnceInOrder(s);
    assertThat(s.steps().get(0).expected()).isEqualTo(s.steps().get(0).sent() * 7);
    assertExactlyOnceInOrder(Scenarios.group(ceiling(), tiny()));
  }

  @Test
  void connectionsAreAuthenticatedAndHeld() throws Exception {
    Map<String, Object> r = Scenarios.connections(parley(), null, tiny());
    assertThat(r.get("connected")).isEqualTo(20);
    assertThat(r.get("failed")).isEqualTo(0);
    assertThat(r.get("alive_after_hold")).isEqualTo(20L);
  }

  @Test
  void stormSyncsEveryClientWithAllItsMessages() throws Exception {
    Map<String, Object> r = Scenarios.storm(parley(), tiny());
    assertThat(r.get("backlog_acked")).isEqualTo(50L);
    assertThat(r.get("connected_and_synced")).isEqualTo(10);
    assertThat(r.get("clients_with_all_messages")).isEqualTo(10L);
    assertThat(r.get("lost")).isEqualTo(0L);
    assertThat(r.get("duplicates")).isEqualTo(0L);
    assertThat(r.get("out_of_order")).isEqualTo(0L);
    // read from the server's /metrics before and after the wave: present, and none here
    assertThat(r.get("server_header_timeouts")).isEqualTo(0.0);
  }
}
