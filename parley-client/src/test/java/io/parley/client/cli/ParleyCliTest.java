package io.parley.client.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.client.FakeParleyServerAccess;
import java.io.BufferedReader;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.io.StringReader;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** Drives the CLI end to end (signup, login, interactive commands) against the protocol fake. */
class ParleyCliTest {
  @Test
  void signupLoginSendAndQuit() throws Exception {
    try (FakeParleyServerAccess server = new FakeParleyServerAccess()) {
      String url = server.baseUrl();
      assertThat(run("", "--url", url, "signup", "alice", "pw")).contains("signed up alice");
      run("", "--url", url, "signup", "bob", "pw");
      String out =
          run(
              "/help\n/conv room-1 hello there\n/to bob hi bob\n/bogus\n/quit\n",
              "--url",
              url,
              "login",
              "alice",
              "pw");
      assertThat(out).contains("connected as alice").contains("✓ sent to room-1 as #1");
      assertThat(out).contains("unknown command");
      assertThat(server.stored("room-1")).isEqualTo(1);
      assertThat(server.sends()).isEqualTo(2);
    }
  }

  @Test
  void badPasswordIsReported() throws Exception {
    try (FakeParleyServerAccess server = new FakeParleyServerAccess()) {
      assertThat(run("", "--url", server.baseUrl(), "login", "nobody", "x"))
          .contains("error: 401 unauthorized");
    }
  }

  private static String run(String input, String... args) throws Exception {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream();
    PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8);
    ParleyCli.run(args, new BufferedReader(new StringReader(input)), out);
    return bytes.toString(StandardCharsets.UTF_8);
  }
}
