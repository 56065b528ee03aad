package io.parley.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The scheduler issues exactly rate × seconds operations with evenly spaced intended times. */
class RateSchedulerTest {
  @Test
  void issuesEveryOperationWithItsIntendedTime() {
    List<long[]> ops = new ArrayList<>();
    long n = RateScheduler.run(1000, 0.2, (i, t) -> ops.add(new long[] {i, t}));
    assertThat(n).isEqualTo(200);
    assertThat(ops).hasSize(200);
    for (int i = 1; i < ops.size(); i++) {
      assertThat(ops.get(i)[0]).isEqualTo(i);
      assertThat(ops.get(i)[1] - ops.get(i - 1)[1]).isBetween(999_000L, 1_001_000L);
    }
  }

  @Test
  void parsesTheTagsItWrites() {
    String f = Frames.send("42", 7, 3, 123456789L);
    assertThat(Frames.type(f)).isEqualTo("send");
    assertThat(Frames.tag(Frames.str(f, "client_msg_id"))).containsExactly(7, 3, 123456789L);
    assertThat(Frames.tag(Frames.str(f, "text"))).containsExactly(7, 3, 123456789L);
    assertThat(Frames.num("{\"type\":\"ack\",\"seq\":17,\"ts\":5}", "seq")).isEqualTo(17);
  }
}
