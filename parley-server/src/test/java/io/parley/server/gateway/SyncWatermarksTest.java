package io.parley.server.gateway;

import static org.assertj.core.api.Assertions.assertThat;

import io.parley.server.store.Database;
import io.parley.server.store.Stores;
import io.parley.server.store.SyncQueries;
import io.parley.server.testsupport.TestDatabases;
import io.parley.server.testsupport.TestDatabases.TestDb;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.util.ArrayDeque;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Receipt watermarks of many reconnects are written in one transaction, and never move back. */
class SyncWatermarksTest {

  @Test
  void marksOfManyDevicesAreOneWriteAndADevicesOwnMarkIsWrittenBeforeItsNextSync() {
    try (TestDb t = TestDatabases.sqlite();
        Stores s = t.open()) {
      for (long d = 1; d <= 100; d++) {
        s.users().createUser(d, "u" + d, "U", "h", 0);
        s.users().createDevice(1000 + d, d, "phone", 0);
      }
      Database db = s.database();
      ArrayDeque<Runnable> background = new ArrayDeque<>();
      SyncWatermarks marks = new SyncWatermarks(new SyncQueries(db), background::add);

      db.countStatements(true);
      for (long d = 1; d <= 100; d++) {
        marks.mark(1000 + d, 5_000 + d);
      }
      assertThat(background).hasSize(1); // one flush scheduled for all of them
      background.poll().run();
      List<String> writes = db.statements();
      db.countStatements(false);
      assertThat(writes).hasSize(1);
      assertThat(watermark(db, 1001)).isEqualTo(5_001);
      assertThat(watermark(db, 1100)).isEqualTo(5_100);

      // a device that reconnects before the flush: its own mark is written first
      marks.mark(1001, 9_000);
      marks.flush(1001);
      assertThat(watermark(db, 1001)).isEqualTo(9_000);
      // an older mark never moves it back
      marks.mark(1001, 7_000);
      marks.flushAll();
      assertThat(watermark(db, 1001)).isEqualTo(9_000);
    }
  }

  private static long watermark(Database db, long deviceId) {
    return db.read(
        c -> {
          try (PreparedStatement ps =
              c.prepareStatement("SELECT receipts_synced_at FROM devices WHERE id = ?")) {
            ps.setLong(1, deviceId);
            try (ResultSet rs = ps.executeQuery()) {
              rs.next();
              return rs.getLong(1);
            }
          }
        });
  }
}
