package io.parley.bench;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import org.HdrHistogram.Histogram;
import org.HdrHistogram.Recorder;

/**
 * Message traffic over connected bench clients: open-loop sends, ack and receive latencies in
 * HdrHistograms (microseconds, from the intended send time), and exactly-once / in-order accounting
 * per (receiver, sender).
 */
final class Traffic implements BenchClient.Listener {
  final Recorder ackRec = new Recorder(3);
  final Recorder recvRec = new Recorder(3);
  final LongAdder acked = new LongAdder();
  final LongAdder received = new LongAdder();
  final LongAdder duplicates = new LongAdder();
  final LongAdder outOfOrder = new LongAdder();
  final LongAdder errors = new LongAdder();
  final LongAdder closes = new LongAdder();
  final AtomicLong lastReceive = new AtomicLong();
  final AtomicLong lastAck = new AtomicLong();

  /** Whether receivers answer each message with a {@code delivered} receipt (set before use). */
  volatile boolean receipts;

  @Override
  public void onAck(BenchClient c, String frame) {
    long[] t = Frames.tag(Frames.str(frame, "client_msg_id"));
    if (t == null) {
      return;
    }
    long now = Load.now();
    ackRec.recordValue(Math.max(0, (now - t[2]) / 1000));
    acked.increment();
    lastAck.accumulateAndGet(now, Math::max);
  }

  @Override
  public void onMessage(BenchClient c, String frame) {
    long[] t = Frames.tag(Frames.str(frame, "text"));
    if (t == null) {
      return;
    }
    long now = Load.now();
    int r = c.accept((int) t[0], t[1]);
    if (r == 1) {
      duplicates.increment();
      return;
    }
    if (r == 2) {
      outOfOrder.increment();
    }
    recvRec.recordValue(Math.max(0, (now - t[2]) / 1000));
    received.increment();
    if (receipts) {
      c.write(Frames.delivered(Frames.str(frame, "conversation_id"), Frames.num(frame, "seq")));
    }
    lastReceive.accumulateAndGet(now, Math::max);
  }

  @Override
  public void onError(BenchClient c, String frame) {
    errors.increment();
  }

  @Override
  public void onClose(BenchClient c, Short code) {
    closes.increment();
  }

  /** One offered-rate step's outcome. */
  record Step(
      double offered,
      double seconds,
      long sent,
      long acked,
      long expected,
      long delivered,
      long lost,
      long duplicates,
      long outOfOrder,
      long errors,
      long closes,
      double ackedPerSec,
      double deliveredPerSec,
      Histogram ackHist,
      Histogram recvHist) {
    Map<String, Object> toMap() {
      Map<String, Object> m = new LinkedHashMap<>();
      m.put("offered_msgs_per_s", offered);
      m.put("seconds", seconds);
      m.put("sent", sent);
      m.put("acked", acked);
      m.put("expected_deliveries", expected);
      m.put("delivered", delivered);
      m.put("lost", lost);
      m.put("duplicates", duplicates);
      m.put("out_of_order", outOfOrder);
      m.put("errors", errors);
      m.put("closed_connections", closes);
      m.put("acked_per_s", Math.round(ackedPerSec));
      m.put("delivered_per_s", Math.round(deliveredPerSec));
      m.put("send_to_ack_ms", Report.percentiles(ackHist));
      m.put("send_to_receive_ms", Report.percentiles(recvHist));
      return m;
    }

    double p99RecvMs() {
      return recvHist.getTotalCount() == 0 ? Double.NaN : recvHist.getValueAtPercentile(99) / 1e3;
    }

    boolean clean() {
      return lost == 0 && duplicates == 0 && outOfOrder == 0 && errors == 0 && closes == 0;
    }
  }

  /**
   * Offers {@code rate} messages/s for {@code seconds} from {@code senders} (round robin), each to
   * its {@link BenchClient#conversation}, each delivered to {@code fanout} receivers; then waits up
   * to {@code drainMs} for every ack and delivery.
   */
  Step step(List<BenchClient> senders, int fanout, double rate, double seconds, long drainMs)
      throws InterruptedException {
    ackRec.reset();
    recvRec.reset();
    long a0 = acked.sum();
    long r0 = received.sum();
    long d0 = duplicates.sum();
    long o0 = outOfOrder.sum();
    long e0 = errors.sum();
    long c0 = closes.sum();
    int n = senders.size();
    long start = Load.now();
    long sent =
        RateScheduler.run(
            rate,
            seconds,
            (i, intended) -> {
              BenchClient c = senders.get((int) (i % n));
              if (c.randomPeers != null) {
                c.write(c.nextRandomSend(intended));
                return;
              }
              long seq = c.nextSeq++;
              c.write(Frames.send(c.conversation, c.index, seq, intended));
            });
    long expected = sent * fanout;
    Load.awaitCondition(() -> received.sum() - r0 >= expected && acked.sum() - a0 >= sent, drainMs);
    long delivered = received.sum() - r0;
    long ackN = acked.sum() - a0;
    double recvSpan = Math.max(seconds, (lastReceive.get() - start) / 1e9);
    double ackSpan = Math.max(seconds, (lastAck.get() - start) / 1e9);
    return new Step(
        rate,
        seconds,
        sent,
        ackN,
        expected,
        delivered,
        Math.max(0, expected - delivered),
        duplicates.sum() - d0,
        outOfOrder.sum() - o0,
        errors.sum() - e0,
        closes.sum() - c0,
        ackN / ackSpan,
        delivered / recvSpan,
        ackRec.getIntervalHistogram(),
        recvRec.getIntervalHistogram());
  }
}
