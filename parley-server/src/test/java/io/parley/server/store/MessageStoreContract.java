package io.parley.server.store;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.parley.server.conversation.model.Member;
import io.parley.server.conversation.model.Position;
import io.parley.server.messaging.MessageStore;
import io.parley.server.messaging.MessageStore.AppendResult;
import io.parley.server.messaging.MessageStore.Commit;
import io.parley.server.messaging.MessageStore.PositionUpdates;
import io.parley.server.messaging.MessageStore.RaisedPositions;
import io.parley.server.messaging.NewMessage;
import io.parley.server.messaging.StoredMessage;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.LongStream;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The {@link MessageStore} contract, run against every backend by its subclasses. */
abstract class MessageStoreContract extends StoreTestBase {
  protected static final long NOW = 1_700_000_000_000L;
  private static final long C1 = 500;
  private static final long C2 = 501;

  protected MessageStore messages;

  @BeforeEach
  void setUp() {
    messages = stores.messages();
    stores.conversations().createGroup(C1, "one", 1, List.of(2L, 3L), NOW);
    stores.conversations().createGroup(C2, "two", 1, List.of(2L), NOW);
  }

  @Test
  void appendAssignsConsecutiveSeqsPerConversationInInputOrder() {
    List<AppendResult> r =
        messages.append(
            List.of(msg(C1, 1, "a"), msg(C2, 2, "b"), msg(C1, 2, "c"), msg(C1, 3, "d")));
    assertThat(r).extracting(x -> x.message().clientMsgId()).containsExactly("a", "b", "c", "d");
    assertThat(r).extracting(x -> x.message().seq()).containsExactly(1L, 1L, 2L, 3L);
    assertThat(r).noneMatch(AppendResult::duplicate);
    assertThat(messages.append(List.of(msg(C1, 1, "e"))).getFirst().message().seq()).isEqualTo(4);
    assertThat(lastSeq(C1)).isEqualTo(4);
    assertThat(lastSeq(C2)).isEqualTo(1);
    NewMessage in = msg(C2, 3, "f");
    StoredMessage out = messages.append(List.of(in)).getFirst().message();
    assertThat(out)
        .isEqualTo(
            new StoredMessage(
                in.messageId(), C2, 2, 3, in.senderDeviceId(), "f", in.ts(), in.bodyJson()));
    assertThat(messages.findByClientMsgId(3, "f")).contains(out);
    assertThat(messages.findByClientMsgId(2, "f")).isEmpty();
    assertThat(messages.append(List.of())).isEmpty();
  }

  @Test
  void duplicatesWithinABatchConsumeNoSeq() {
    List<AppendResult> r =
        messages.append(
            List.of(msg(C1, 1, "a"), msg(C1, 1, "a"), msg(C1, 2, "a"), msg(C1, 1, "b")));
    assertThat(r).extracting(x -> x.message().seq()).containsExactly(1L, 1L, 2L, 3L);
    assertThat(r).extracting(AppendResult::duplicate).containsExactly(false, true, false, false);
    assertThat(r.get(1).message()).isEqualTo(r.get(0).message());
    assertThat(lastSeq(C1)).isEqualTo(3);
    assertThat(messages.range(C1, 0, Long.MAX_VALUE, 10, false)).hasSize(3);
  }

  @Test
  void duplicatesAcrossBatchesReturnTheStoredMessage() {
    StoredMessage first = messages.append(List.of(msg(C1, 1, "a"))).getFirst().message();
    NewMessage retry = new NewMessage(nextId(), C1, 1, 9, "a", NOW + 5, "{\"text\":\"other\"}");
    List<AppendResult> r = messages.append(List.of(retry, msg(C1, 2, "b"), retry));
    assertThat(r.get(0)).isEqualTo(new AppendResult(first, true));
    assertThat(r.get(1).message().seq()).as("no seq consumed by the duplicate").isEqualTo(2);
    assertThat(r.get(2)).isEqualTo(new AppendResult(first, true));
    assertThat(lastSeq(C1)).isEqualTo(2);
  }

  @Test
  void unknownConversationFailsTheWholeBatch() {
    assertThatThrownBy(() -> messages.append(List.of(msg(C1, 1, "a"), msg(999, 1, "b"))))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(lastSeq(C1)).isZero();
    assertThat(messages.findByClientMsgId(1, "a")).isEmpty();
    assertThat(messages.append(List.of(msg(C1, 1, "a"))).getFirst().message().seq()).isEqualTo(1);
  }

  @Test
  void concurrentBatchesGetGapFreeSeqs() throws Exception {
    int threads = 8;
    int batchesPerThread = 30;
    List<List<AppendResult>> all =
        concurrently(
            threads,
            t -> {
              List<AppendResult> mine = new ArrayList<>();
              for (int b = 0; b < batchesPerThread; b++) {
                List<NewMessage> batch = new ArrayList<>();
                int n = 1 + ThreadLocalRandom.current().nextInt(8);
                for (int i = 0; i < n; i++) {
                  long conv = i % 3 == 2 ? C2 : C1;
                  batch.add(msg(conv, 10 + t, "t" + t + "-b" + b + "-" + i));
                }
                mine.addAll(messages.append(batch));
              }
              return mine;
            });
    for (long conv : List.of(C1, C2)) {
      List<Long> seqs =
          all.stream()
              .flatMap(List::stream)
              .map(AppendResult::message)
              .filter(m -> m.conversationId() == conv)
              .map(StoredMessage::seq)
              .sorted()
              .toList();
      assertThat(seqs).isEqualTo(LongStream.rangeClosed(1, seqs.size()).boxed().toList());
      assertThat(lastSeq(conv)).isEqualTo(seqs.size());
      assertThat(messages.range(conv, 0, Long.MAX_VALUE, 10_000, false))
          .extracting(StoredMessage::seq)
          .isEqualTo(seqs);
    }
  }

  @Test
  void concurrentDuplicateKeysAreStoredOnce() throws Exception {
    int keys = 60;
    List<List<AppendResult>> all =
        concurrently(
            6,
            t -> {
              List<AppendResult> mine = new ArrayList<>();
              for (int start = 0; start < keys; start += 5) {
                List<NewMessage> batch = new ArrayList<>();
                for (int k = start; k < start + 5; k++) {
                  batch.add(msg(C1, 1, "k" + ((k + t * 7) % keys)));
                }
                mine.addAll(messages.append(batch));
              }
              return mine;
            });
    Map<String, StoredMessage> byKey = new HashMap<>();
    long fresh = 0;
    for (AppendResult r : all.stream().flatMap(List::stream).toList()) {
      StoredMessage prev = byKey.putIfAbsent(r.message().clientMsgId(), r.message());
      assertThat(prev == null ? r.message() : prev).isEqualTo(r.message());
      fresh += r.duplicate() ? 0 : 1;
    }
    assertThat(fresh).isEqualTo(keys);
    assertThat(lastSeq(C1)).isEqualTo(keys);
    assertThat(messages.range(C1, 0, Long.MAX_VALUE, 1000, false))
        .extracting(StoredMessage::seq)
        .isEqualTo(LongStream.rangeClosed(1, keys).boxed().toList());
  }

  @Test
  void directSendsResolveOrCreateThePairsConversationInTheAppend() throws Exception {
    stores.users().createUser(71, "u71", "U71", "h", NOW);
    stores.users().createUser(72, "u72", "U72", "h", NOW);
    // both sides start at once, on several connections, each proposing its own new id
    List<List<AppendResult>> all =
        concurrently(
            4,
            t -> {
              List<AppendResult> mine = new ArrayList<>();
              for (int i = 0; i < 5; i++) {
                long from = t % 2 == 0 ? 71 : 72;
                long to = from == 71 ? 72 : 71;
                mine.addAll(
                    messages.append(
                        List.of(
                            new NewMessage(
                                nextId(),
                                nextId(),
                                from,
                                from * 100,
                                "d" + t + "-" + i,
                                NOW,
                                "{}",
                                to))));
              }
              return mine;
            });
    List<StoredMessage> stored =
        all.stream().flatMap(List::stream).map(AppendResult::message).toList();
    long conv = stored.getFirst().conversationId();
    assertThat(stored).extracting(StoredMessage::conversationId).containsOnly(conv);
    assertThat(stored.stream().map(StoredMessage::seq).sorted().toList())
        .isEqualTo(LongStream.rangeClosed(1, 20).boxed().toList());
    assertThat(stores.conversations().members(conv))
        .extracting(io.parley.server.conversation.model.Member::userId)
        .containsExactlyInAnyOrder(71L, 72L);
    assertThat(stores.conversations().getOrCreateDirect(nextId(), 72, 71, NOW).id())
        .isEqualTo(conv);
    // an unknown recipient stores nothing
    long proposed = nextId();
    assertThatThrownBy(
            () ->
                messages.append(
                    List.of(
                        msg(C1, 1, "kept-out"),
                        new NewMessage(nextId(), proposed, 71, 7100, "x", NOW, "{}", 999_999))))
        .isInstanceOf(io.parley.server.messaging.UnknownRecipientException.class);
    assertThat(stores.conversations().find(proposed)).isEmpty();
    assertThat(messages.findByClientMsgId(1, "kept-out")).isEmpty();
  }

  @Test
  void aBatchOfFirstMessagesBetweenManyPairsCreatesOneConversationPerPair() {
    // pairs (2k, 2k+1) among fresh users; the first pair also already has a conversation
    long known = stores.conversations().getOrCreateDirect(nextId(), 3000, 3001, NOW).id();
    List<NewMessage> batch = firstMessagesBetweenPairs(3000, 50);
    batch.add(direct(3001, 3000, "back"));
    List<AppendResult> r = messages.append(batch);
    assertThat(r).noneMatch(AppendResult::duplicate);
    assertThat(r.getFirst().message().conversationId()).isEqualTo(known);
    assertThat(r.getLast().message().conversationId()).isEqualTo(known);
    assertThat(r.getLast().message().seq()).isEqualTo(2);
    List<Long> convs = r.stream().map(x -> x.message().conversationId()).distinct().toList();
    assertThat(convs).hasSize(50);
    for (int i = 1; i < 50; i++) {
      StoredMessage m = r.get(i).message();
      assertThat(m.seq()).isEqualTo(1);
      assertThat(lastSeq(m.conversationId())).isEqualTo(1);
      assertThat(stores.conversations().members(m.conversationId()))
          .extracting(io.parley.server.conversation.model.Member::userId)
          .containsExactlyInAnyOrder(3000L + 2L * i, 3001L + 2L * i);
    }
    // the next batch finds them all: seqs go on without a gap
    List<AppendResult> again = messages.append(firstMessagesBetweenPairs(3000, 50));
    assertThat(again)
        .extracting(x -> x.message().conversationId())
        .containsExactlyElementsOf(convs);
    assertThat(again.subList(1, 50)).allMatch(x -> x.message().seq() == 2);
    assertThat(again.getFirst().message().seq()).isEqualTo(3);
  }

  /**
   * One send by {@code to_user_id} for each of {@code pairs} pairs of users ({@code base + 2k},
   * {@code base + 2k + 1}), created here if missing; a mutable list.
   */
  protected List<NewMessage> firstMessagesBetweenPairs(long base, int pairs) {
    List<NewMessage> batch = new ArrayList<>();
    for (long u = base; u < base + 2L * pairs; u++) {
      if (stores.users().findUser(u).isEmpty()) {
        stores.users().createUser(u, "u" + u, "U" + u, "h", NOW);
      }
    }
    for (int i = 0; i < pairs; i++) {
      batch.add(direct(base + 2L * i, base + 2L * i + 1, "p" + i + "-" + nextId()));
    }
    return batch;
  }

  private NewMessage direct(long from, long to, String clientMsgId) {
    return new NewMessage(nextId(), nextId(), from, from * 100, clientMsgId, NOW, "{}", to);
  }

  @Test
  void rangeInBothDirections() {
    appendN(C1, 1, 10);
    assertThat(seqs(messages.range(C1, 0, Long.MAX_VALUE, 3, false))).containsExactly(1L, 2L, 3L);
    assertThat(seqs(messages.range(C1, 0, Long.MAX_VALUE, 3, true))).containsExactly(8L, 9L, 10L);
    assertThat(seqs(messages.range(C1, 3, 8, 100, false))).containsExactly(4L, 5L, 6L, 7L);
    assertThat(seqs(messages.range(C1, 3, 8, 2, true))).containsExactly(6L, 7L);
    assertThat(seqs(messages.range(C1, 0, 5, 2, true))).containsExactly(3L, 4L);
    assertThat(seqs(messages.range(C1, 7, Long.MAX_VALUE, 50, false))).containsExactly(8L, 9L, 10L);
    assertThat(messages.range(C1, 10, Long.MAX_VALUE, 5, false)).isEmpty();
    assertThat(messages.range(C1, 0, Long.MAX_VALUE, 0, false)).isEmpty();
    assertThat(messages.range(C2, 0, Long.MAX_VALUE, 5, true)).isEmpty();
  }

  @Test
  void lastMessage() {
    assertThat(messages.last(C1)).isEmpty();
    appendN(C1, 1, 4);
    appendN(C2, 1, 1);
    assertThat(messages.last(C1).orElseThrow().seq()).isEqualTo(4);
    assertThat(messages.last(C2).orElseThrow().seq()).isEqualTo(1);
  }

  @Test
  void countUnreadSkipsOwnMessages() {
    appendN(C1, 1, 3); // seqs 1..3 from user 1
    appendN(C1, 2, 2); // seqs 4..5 from user 2
    assertThat(messages.countUnread(C1, 3, 0)).isEqualTo(5);
    assertThat(messages.countUnread(C1, 2, 0)).isEqualTo(3);
    assertThat(messages.countUnread(C1, 1, 0)).isEqualTo(2);
    assertThat(messages.countUnread(C1, 3, 2)).isEqualTo(3);
    assertThat(messages.countUnread(C1, 3, 5)).isZero();
    assertThat(messages.countUnread(C2, 3, 0)).isZero();
  }

  @Test
  void devicePositionsOnlyRise() {
    assertThat(messages.devicePositions(77)).isEmpty();
    messages.advanceDevicePosition(77, C1, 5);
    messages.advanceDevicePosition(77, C1, 3);
    messages.advanceDevicePosition(77, C2, 2);
    messages.advanceDevicePosition(78, C1, 9);
    assertThat(messages.devicePositions(77)).isEqualTo(Map.of(C1, 5L, C2, 2L));
    messages.advanceDevicePosition(77, C1, 6);
    assertThat(messages.devicePositions(77)).isEqualTo(Map.of(C1, 6L, C2, 2L));
    assertThat(messages.devicePositions(78)).isEqualTo(Map.of(C1, 9L));
  }

  @Test
  void appendWithRaisesPositionsInTheSameTransaction() {
    messages.append(List.of(msg(C1, 1, "a"), msg(C1, 1, "b")));
    Commit both =
        messages.appendWith(
            List.of(msg(C1, 2, "c")),
            new PositionUpdates(
                List.of(new Position(77, C1, 2)),
                List.of(new Position(2, C1, 2), new Position(9, C1, 1)),
                List.of(new Position(3, C1, 1))));
    assertThat(both.results()).extracting(r -> r.message().seq()).containsExactly(3L);
    assertThat(both.raised())
        .as("the outsider (user 9) raises nothing")
        .isEqualTo(
            new RaisedPositions(List.of(new Position(2, C1, 2)), List.of(new Position(3, C1, 1))));
    assertThat(messages.devicePositions(77)).isEqualTo(Map.of(C1, 2L));
    assertThat(positions(2)).containsExactly(2L, 0L);
    assertThat(positions(3)).as("read implies delivered").containsExactly(1L, 1L);

    // positions alone, in one transaction; lower ones change nothing
    Commit alone =
        messages.appendWith(
            List.of(),
            new PositionUpdates(
                List.of(new Position(77, C1, 1)),
                List.of(new Position(2, C1, 1)),
                List.of(new Position(3, C1, 3))));
    assertThat(alone.results()).isEmpty();
    assertThat(alone.raised())
        .isEqualTo(new RaisedPositions(List.of(), List.of(new Position(3, C1, 3))));
    assertThat(messages.devicePositions(77)).isEqualTo(Map.of(C1, 2L));
    assertThat(positions(2)).containsExactly(2L, 0L);
    assertThat(positions(3)).containsExactly(3L, 3L);

    // a batch that fails stores neither its messages nor its positions
    assertThatThrownBy(
            () ->
                messages.appendWith(
                    List.of(msg(C1, 1, "d"), msg(999, 1, "x")),
                    new PositionUpdates(
                        List.of(new Position(78, C1, 3)),
                        List.of(new Position(2, C1, 3)),
                        List.of())))
        .isInstanceOf(IllegalArgumentException.class);
    assertThat(messages.devicePositions(78)).isEmpty();
    assertThat(positions(2)).containsExactly(2L, 0L);
    assertThat(lastSeq(C1)).isEqualTo(3);
  }

  /** A member's delivered and read seqs in C1. */
  private List<Long> positions(long userId) {
    Member m = stores.conversations().member(C1, userId).orElseThrow();
    return List.of(m.deliveredSeq(), m.readSeq());
  }

  private NewMessage msg(long conversationId, long sender, String clientMsgId) {
    return new NewMessage(
        nextId(),
        conversationId,
        sender,
        sender * 100,
        clientMsgId,
        NOW,
        "{\"text\":\"" + clientMsgId + "\"}");
  }

  private void appendN(long conversationId, long sender, int n) {
    List<NewMessage> batch = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      batch.add(msg(conversationId, sender, "m" + nextId()));
    }
    messages.append(batch);
  }

  private long lastSeq(long conversationId) {
    return stores.conversations().find(conversationId).orElseThrow().lastSeq();
  }

  private static List<Long> seqs(List<StoredMessage> list) {
    return list.stream().map(StoredMessage::seq).toList();
  }
}
