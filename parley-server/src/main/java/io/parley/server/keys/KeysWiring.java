package io.parley.server.keys;

import io.parley.server.api.Authenticator;
import io.parley.server.config.ParleyConfig;
import io.parley.server.gateway.Connection;
import io.parley.server.gateway.ConnectionRegistry;
import io.parley.server.store.JdbcKeyStore;
import io.parley.server.store.Stores;
import io.vertx.ext.web.Router;
import java.time.Clock;

/** Wiring of the end-to-end key directory (F13). */
public final class KeysWiring {
  private final KeyService service;

  private KeysWiring(KeyService service) {
    this.service = service;
  }

  public static KeysWiring build(
      ParleyConfig.Keys cfg, Clock clock, Stores stores, ConnectionRegistry connections) {
    KeyService.DeviceFrames frames =
        (userId, deviceId, json) -> {
          for (Connection c : connections.of(userId)) {
            if (c.deviceId() == deviceId) {
              c.send(json);
            }
          }
        };
    return new KeysWiring(
        new KeyService(JdbcKeyStore.of(stores.database()), stores.users(), cfg, frames, clock));
  }

  public void mount(Router router, Authenticator auth) {
    new KeyRoutes(service, auth).mount(router);
  }
}
