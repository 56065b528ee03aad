package io.parley.server.messaging;

import io.parley.server.conversation.model.Position;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Messages and per-device delivery positions. This is the table a wide-column store could take over
 * at internet scale, so it only needs key lookups and range scans by (conversation, seq).
 * Implementations are thread-safe.
 */
public interface MessageStore {

  /**
   * Appends a batch in <b>one</b> durable transaction (group commit) and returns one result per
   * input, in input order. For each conversation, new messages get consecutive seqs following the
   * conversation's last seq, in input order (gap-free, strictly increasing; also across nodes
   * sharing the database). An input whose (senderId, clientMsgId) is already stored — earlier or
   * earlier in the same batch — is not stored again: its result is the stored message with {@code
   * duplicate = true}. When this method returns, every result is durable.
   */
  default List<AppendResult> append(List<NewMessage> batch) {
    return appendWith(batch, PositionUpdates.NONE).results();
  }

  /**
   * As {@link #append}, and in the <b>same</b> transaction raises {@code positions}: device
   * positions as {@link #advanceDevicePositions}, members' delivered and read positions as {@code
   * ConversationStore.advanceDelivered/advanceRead} (stamping {@code receipt_at}). One commit
   * covers messages and positions; {@code batch} may be empty. If anything fails, nothing is
   * stored.
   */
  Commit appendWith(List<NewMessage> batch, PositionUpdates positions);

  /** The message a sender stored under {@code clientMsgId}, if any. */
  Optional<StoredMessage> findByClientMsgId(long senderId, String clientMsgId);

  /**
   * Messages of a conversation with {@code afterSeq < seq < beforeSeq}, ascending by seq. If {@code
   * newestFirst}, the {@code limit} highest such seqs are chosen (still returned ascending), else
   * the lowest.
   */
  List<StoredMessage> range(
      long conversationId, long afterSeq, long beforeSeq, int limit, boolean newestFirst);

  /** The newest message of a conversation. */
  Optional<StoredMessage> last(long conversationId);

  /** Messages with {@code seq > afterSeq} not sent by {@code userId}. */
  int countUnread(long conversationId, long userId, long afterSeq);

  /** Raises the device's delivered position in a conversation (never lowers it). */
  default void advanceDevicePosition(long deviceId, long conversationId, long seq) {
    advanceDevicePositions(List.of(new Position(deviceId, conversationId, seq)));
  }

  /** Raises many device positions ({@code ownerId} = device) in one transaction. */
  void advanceDevicePositions(List<Position> updates);

  /** The device's stored delivered positions, by conversation id. */
  Map<Long, Long> devicePositions(long deviceId);

  /** Result of one {@link #append} input. */
  record AppendResult(StoredMessage message, boolean duplicate) {}

  /** Result of {@link #appendWith}: one result per message, and which positions rose. */
  record Commit(List<AppendResult> results, RaisedPositions raised) {}

  /** Cumulative positions to raise: devices ({@code ownerId} = device), members' delivered/read. */
  record PositionUpdates(List<Position> devices, List<Position> delivered, List<Position> read) {
    public static final PositionUpdates NONE = new PositionUpdates(List.of(), List.of(), List.of());

    public boolean isEmpty() {
      return devices.isEmpty() && delivered.isEmpty() && read.isEmpty();
    }
  }

  /** The member positions of a {@link PositionUpdates} that actually rose. */
  record RaisedPositions(List<Position> delivered, List<Position> read) {
    public static final RaisedPositions NONE = new RaisedPositions(List.of(), List.of());
  }
}
