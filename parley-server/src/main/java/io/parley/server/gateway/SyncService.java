package io.parley.server.gateway;

import io.parley.protocol.Frames;
import io.parley.protocol.Json;
import io.parley.server.auth.Device;
import io.parley.server.auth.UserStore;
import io.parley.server.conversation.Visibility;
import io.parley.server.conversation.model.ConversationStore;
import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.SeqRange;
import io.parley.server.messaging.MessageJson;
import io.parley.server.messaging.MessageStore;
import io.parley.server.messaging.StoredMessage;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * Offline delivery: replays to a freshly connected device everything it has not acknowledged, per
 * conversation in seq order, then the current receipt positions, then {@code synced}; live frames
 * that arrived meanwhile are released after it without gaps or duplicates (see {@link Connection}).
 *
 * <p>A device's starting point in a conversation is its stored delivered position; a device with
 * none starts where the user joined if the device is older than the membership, else at what no
 * device of the user has received yet (so a newly logged-in device still gets what the user missed,
 * and pages older history over REST). Runs on a worker thread; it throttles itself to the client's
 * reading speed rather than fill the connection's queue.
 */
public final class SyncService {
  private static final int PAGE = 500;

  private final MessageStore messages;
  private final ConversationStore conversations;
  private final UserStore users;
  private final Visibility visibility;
  private final long throttleBytes;

  public SyncService(
      MessageStore messages,
      ConversationStore conversations,
      UserStore users,
      Visibility visibility,
      long throttleBytes) {
    this.messages = messages;
    this.visibility = visibility;
    this.conversations = conversations;
    this.users = users;
    this.throttleBytes = throttleBytes;
  }

  /** Replays the backlog to {@code c} and switches it live. Blocks; returns frames replayed. */
  public int replay(Connection c) throws InterruptedException {
    List<Member> memberships = conversations.membershipsOf(c.userId());
    Map<Long, Long> stored = messages.devicePositions(c.deviceId());
    long deviceCreated = users.findDevice(c.deviceId()).map(Device::createdAt).orElse(0L);
    Map<Long, List<SeqRange>> visible = visibility.ranges(c.userId());
    Map<Long, Long> replayed = new HashMap<>();
    for (Member m : memberships) {
      Long pos = stored.get(m.conversationId());
      long from;
      if (pos != null) {
        from = pos;
      } else if (deviceCreated <= m.joinedAt()) {
        from = m.joinedSeq();
      } else {
        from = Math.max(m.joinedSeq(), m.deliveredSeq());
      }
      replayed.put(m.conversationId(), from);
    }
    int sent = 0;
    while (true) {
      for (Map.Entry<Long, Long> e : replayed.entrySet()) {
        sent += replayConversation(c, e, visible.getOrDefault(e.getKey(), List.of()));
        if (c.isClosed()) {
          return sent;
        }
      }
      sendReceipts(c, memberships);
      if (c.finishSync(replayed, Json.write(Frames.Bare.SYNCED))) {
        return sent;
      }
      // live frames overflowed the sync buffer while replaying: replay again from here
    }
  }

  /** Replays the visible messages after the device's position (never those from while out). */
  private int replayConversation(Connection c, Map.Entry<Long, Long> e, List<SeqRange> ranges)
      throws InterruptedException {
    int sent = 0;
    long after = e.getValue();
    while (!c.isClosed()) {
      List<StoredMessage> page =
          visibility.range(ranges, e.getKey(), after, Long.MAX_VALUE, PAGE, false);
      for (StoredMessage m : page) {
        while (c.queuedBytes() > throttleBytes && !c.isClosed()) {
          TimeUnit.MILLISECONDS.sleep(2);
        }
        c.send(MessageJson.frame(m));
        after = m.seq();
        sent++;
      }
      e.setValue(after);
      if (page.size() < PAGE) {
        break;
      }
    }
    return sent;
  }

  /** Current delivered/read positions of every member, so ticks missed while away show up. */
  private void sendReceipts(Connection c, List<Member> memberships) {
    for (Member mine : memberships) {
      for (Member m : conversations.members(mine.conversationId())) {
        if (m.deliveredSeq() > 0 && m.userId() != c.userId()) {
          c.send(
              MessageJson.receipt(m.conversationId(), m.userId(), "delivered", m.deliveredSeq()));
        }
        if (m.readSeq() > 0) {
          c.send(MessageJson.receipt(m.conversationId(), m.userId(), "read", m.readSeq()));
        }
      }
    }
  }
}
