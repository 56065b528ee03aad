package io.parley.server.ops;

import io.micrometer.core.instrument.Timer;
import io.parley.server.conversation.model.Position;
import io.parley.server.messaging.MessageStore;
import io.parley.server.messaging.NewMessage;
import io.parley.server.messaging.StoredMessage;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/** Times every call of a {@link MessageStore} ({@code parley_store_latency{op}}). */
public final class MeteredMessageStore implements MessageStore {
  private final MessageStore delegate;
  private final Timer append;
  private final Timer find;
  private final Timer range;
  private final Timer last;
  private final Timer unread;
  private final Timer positions;

  public MeteredMessageStore(MessageStore delegate, Metrics metrics) {
    this.delegate = delegate;
    this.append = metrics.storeTimer("append");
    this.find = metrics.storeTimer("find_by_client_msg_id");
    this.range = metrics.storeTimer("history");
    this.last = metrics.storeTimer("last_message");
    this.unread = metrics.storeTimer("count_unread");
    this.positions = metrics.storeTimer("device_positions");
  }

  @Override
  public Commit appendWith(List<NewMessage> batch, PositionUpdates positions) {
    return append.record(() -> delegate.appendWith(batch, positions));
  }

  @Override
  public Optional<StoredMessage> findByClientMsgId(long senderId, String clientMsgId) {
    return find.record(() -> delegate.findByClientMsgId(senderId, clientMsgId));
  }

  @Override
  public List<StoredMessage> range(
      long conversationId, long afterSeq, long beforeSeq, int limit, boolean newestFirst) {
    return range.record(
        () -> delegate.range(conversationId, afterSeq, beforeSeq, limit, newestFirst));
  }

  @Override
  public Optional<StoredMessage> last(long conversationId) {
    return last.record(() -> delegate.last(conversationId));
  }

  @Override
  public int countUnread(long conversationId, long userId, long afterSeq) {
    Integer n = unread.record(() -> delegate.countUnread(conversationId, userId, afterSeq));
    return n == null ? 0 : n;
  }

  @Override
  public void advanceDevicePositions(List<Position> updates) {
    positions.record(() -> delegate.advanceDevicePositions(updates));
  }

  @Override
  public Map<Long, Long> devicePositions(long deviceId) {
    return positions.record(() -> delegate.devicePositions(deviceId));
  }
}
