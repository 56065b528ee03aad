package io.parley.server.conversation.model;

/**
 * The seqs {@code afterSeq < seq <= toSeq} of one conversation; {@code toSeq} is {@link
 * Long#MAX_VALUE} for a range that is still open (a current membership period).
 */
public record SeqRange(long afterSeq, long toSeq) {
  public static final long OPEN = Long.MAX_VALUE;

  public boolean contains(long seq) {
    return seq > afterSeq && seq <= toSeq;
  }

  public boolean isOpen() {
    return toSeq == OPEN;
  }
}
