package io.parley.server.retention;

import java.util.List;

/**
 * Told about messages the retention job deleted, so features holding data for messages can clean
 * up. The media feature implements it to delete blobs no remaining message references: collect the
 * media ids of {@link PurgedMessage#bodyJson()} in {@link #purged}, then delete the unreferenced
 * ones in {@link #cycleFinished}.
 *
 * <p>Called on the retention thread, after the batch's transaction committed (the messages are
 * already gone from the messages table and the search index). Must not throw; a failure is logged
 * and the job carries on.
 */
public interface RetentionListener {

  /** One committed batch of deleted messages of one conversation. */
  void purged(long conversationId, List<PurgedMessage> messages);

  /** A whole retention cycle ended at {@code nowMs} (epoch ms). */
  default void cycleFinished(long nowMs) {}

  /** A deleted message: ids and its body as stored (JSON). */
  record PurgedMessage(long messageId, long seq, String bodyJson) {}
}
