package io.parley.server.testsupport;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

/**
 * Proves {@link TestRedis} hands out working, isolated key prefixes and deletes their keys, once on
 * the server chosen by {@code -Dparley.test.redis} and once on the embedded fallback (so the
 * fallback keeps working on machines that have a local Redis), and that an embedded server can be
 * stopped and started again.
 */
class TestRedisTest {

  @Test
  void chosenServerGivesIsolatedPrefixAndCleansUp() {
    if ("embedded".equals(System.getProperty(TestRedis.PROPERTY))) {
      assertThat(TestRedis.server().description()).startsWith("embedded");
    }
    checkPrefix(TestRedis.keys());
  }

  @Test
  void embeddedFallbackGivesIsolatedPrefixAndCleansUp() {
    TestRedis.Keys keys = TestRedis.keysEmbedded();
    assertThat(keys.server().description()).startsWith("embedded");
    try (Resp r = keys.server().connect()) {
      assertThat((String) r.call("INFO", "server")).contains("redis_version:");
    }
    checkPrefix(keys);
  }

  @Test
  void embeddedServerStopsAndStartsAgainOnItsPort() {
    try (TestRedis.Embedded redis = TestRedis.startEmbedded()) {
      try (Resp r = redis.server().connect()) {
        assertThat(r.call("SET", "k", "v")).isEqualTo("OK");
      }
      redis.stop();
      assertThatThrownBy(() -> redis.server().connect()).isInstanceOf(RuntimeException.class);
      redis.start();
      try (Resp r = redis.server().connect()) {
        assertThat(r.call("PING")).isEqualTo("PONG");
        assertThat(r.call("GET", "k")).as("no persistence: data is gone").isNull();
      }
    }
  }

  private static void checkPrefix(TestRedis.Keys keys) {
    TestRedis.Keys other = TestRedis.keys();
    try (Resp r = keys.server().connect()) {
      r.call("SET", keys.prefix() + "a", "1");
      r.call("HSET", keys.prefix() + "b", "f", "2");
      assertThat(keys.count()).isEqualTo(2);
      assertThat(other.prefix()).isNotEqualTo(keys.prefix());
      keys.close();
      assertThat(keys.count()).isZero();
      assertThat(r.call("EXISTS", keys.prefix() + "a")).isEqualTo(0L);
    } finally {
      other.close();
    }
  }
}
