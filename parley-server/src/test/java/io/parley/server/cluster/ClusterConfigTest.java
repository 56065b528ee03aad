package io.parley.server.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.config.ConfigLoader;
import io.parley.server.config.ParleyConfig;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ClusterConfigTest {

  private static ParleyConfig load(Map<String, String> env, String... overrides) {
    Map<String, String> o = new HashMap<>();
    for (int i = 0; i < overrides.length; i += 2) {
      o.put(overrides[i], overrides[i + 1]);
    }
    return ConfigLoader.load(null, env, o);
  }

  @Test
  void offByDefaultAndValid() {
    ParleyConfig cfg = load(Map.of());
    assertThat(cfg.cluster().enabled()).isFalse();
    assertThat(cfg.cluster().keyPrefix()).isEqualTo("parley:");
    assertThat(cfg.cluster().leaseTtlMs()).isEqualTo(15000);
    assertThatCode(() -> ClusterConfig.validate(cfg)).doesNotThrowAnyException();
  }

  @Test
  void environmentTurnsItOnAndRequiresPostgres() {
    ParleyConfig sqlite = load(Map.of("PARLEY_CLUSTER_REDIS_URL", "redis://10.0.0.5:6379"));
    assertThat(sqlite.cluster().enabled()).isTrue();
    assertThat(sqlite.cluster().redisUrl()).isEqualTo("redis://10.0.0.5:6379");
    assertThatThrownBy(() -> ClusterConfig.validate(sqlite))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("requires store.type=postgres")
        .hasMessageContaining("'sqlite'");

    ParleyConfig pg =
        load(
            Map.of(
                "PARLEY_CLUSTER_REDIS_URL",
                "redis://10.0.0.5:6379",
                "PARLEY_STORE_TYPE",
                "postgres"));
    assertThatCode(() -> ClusterConfig.validate(pg)).doesNotThrowAnyException();
  }

  @Test
  void badSettingsAreNamed() {
    Map<String, String> env =
        Map.of("PARLEY_STORE_TYPE", "postgres", "PARLEY_CLUSTER_REDIS_URL", "redis://r:6379");
    assertThatThrownBy(() -> ClusterConfig.validate(load(env, "cluster.redis_url", "http://r:1")))
        .hasMessageContaining("cluster.redis_url must look like redis://");
    assertThatThrownBy(() -> ClusterConfig.validate(load(env, "cluster.redis_url", "redis://a b")))
        .hasMessageContaining("cluster.redis_url is not a URL");
    assertThatThrownBy(() -> ClusterConfig.validate(load(env, "cluster.lease_ttl_ms", "10000")))
        .hasMessageContaining("cluster.lease_ttl_ms (10000) must exceed two heartbeats");
    assertThatThrownBy(() -> ClusterConfig.validate(load(env, "cluster.key_prefix", "")))
        .hasMessageContaining("cluster.key_prefix");
    assertThatCode(
            () -> ClusterConfig.validate(load(env, "cluster.redis_url", "rediss://r:6380/2")))
        .doesNotThrowAnyException();
  }

  @Test
  void advertisedUrlDefaultsToHostAndPort() {
    ParleyConfig cfg = load(Map.of(), "server.host", "10.1.2.3", "server.port", "9000");
    assertThat(ClusterConfig.advertisedWsUrl(cfg)).isEqualTo("ws://10.1.2.3:9000/v1/ws");
    ParleyConfig set = load(Map.of("PARLEY_CLUSTER_ADVERTISED_WS_URL", "wss://n1.example/v1/ws"));
    assertThat(ClusterConfig.advertisedWsUrl(set)).isEqualTo("wss://n1.example/v1/ws");
  }
}
