package io.parley.server.gateway;

import io.parley.server.conversation.Visibility;
import io.parley.server.delivery.Outbound;
import io.parley.server.messaging.MessageJson;
import io.parley.server.messaging.StoredMessage;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.LongAdder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Recovers live message frames a device did not get: when a connection sees a seq gap in a
 * conversation, the missing range is read from the store (the source of truth, never pub/sub) on a
 * worker and sent before the frames held behind the gap. In a cluster, frames of one conversation
 * committed on different nodes reach a node by different paths, and the broker may drop frames.
 */
public final class GapFiller {
  private static final Logger log = LoggerFactory.getLogger(GapFiller.class);
  private static final int MAX = 1000;

  private final Visibility visibility;
  private final Executor workers;
  private final LongAdder fills = new LongAdder();

  public GapFiller(Visibility visibility, Executor workers) {
    this.visibility = visibility;
    this.workers = workers;
  }

  /** Gaps filled so far (a single node delivers in order and never needs one). */
  long fills() {
    return fills.sum();
  }

  /** Fetches seqs {@code after < seq < before} for {@code c}, then calls back {@code gapFilled}. */
  void fill(Connection c, long conv, long after, long before) {
    fills.increment();
    workers.execute(
        () -> {
          List<Outbound> out = new ArrayList<>();
          try {
            List<StoredMessage> page =
                visibility.range(
                    visibility.ranges(conv, c.userId()),
                    conv,
                    after,
                    before,
                    (int) Math.min(MAX, before - after),
                    false);
            if (page.size() == MAX && before - after - 1 > MAX) {
              // too far behind for a live fill: the device resyncs from its stored position
              c.close(io.parley.protocol.CloseCodes.RESTARTING, "too far behind, reconnect");
              return;
            }
            for (StoredMessage m : page) {
              if (m.senderDeviceId() != c.deviceId()) {
                out.add(new Outbound(MessageJson.frame(m), conv, m.seq()));
              }
            }
          } catch (RuntimeException e) {
            log.warn("gap fill failed for device {}: reconnecting it", c.deviceId(), e);
            c.close(io.parley.protocol.CloseCodes.RESTARTING, "gap fill failed, reconnect");
            return;
          }
          c.gapFilled(conv, out, before);
        });
  }
}
