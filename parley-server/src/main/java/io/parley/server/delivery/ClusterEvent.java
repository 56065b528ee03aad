package io.parley.server.delivery;

/**
 * A cache-invalidation event broadcast to every node through {@link Broker#publishEvent}. Each kind
 * names what changed; {@code subjectId} and {@code detailId} identify it.
 *
 * @param kind what changed
 * @param subjectId the conversation ({@link Kind#MEMBERSHIP_CHANGED}, {@link Kind#FIRST_MESSAGE})
 *     or user (other kinds); 0 for {@link Kind#CACHES_STALE}
 * @param detailId the revoked device for {@link Kind#DEVICE_REVOKED}, else 0
 */
public record ClusterEvent(Kind kind, long subjectId, long detailId) {

  /** What changed. */
  public enum Kind {
    /** Members or roles of conversation {@code subjectId} changed: drop its cached members. */
    MEMBERSHIP_CHANGED,
    /** Device {@code detailId} of user {@code subjectId} was revoked: close its connections. */
    DEVICE_REVOKED,
    /** Profile of user {@code subjectId} changed. */
    PROFILE_CHANGED,
    /** Privacy settings of user {@code subjectId} changed (presence visibility, blocks). */
    PRIVACY_CHANGED,
    /**
     * User {@code subjectId} came online or went offline somewhere in the cluster: nodes with
     * subscribers to its presence re-read it from the presence store.
     */
    PRESENCE_CHANGED,
    /**
     * Conversation {@code subjectId} got its first message (a direct conversation becomes a
     * relationship): nodes re-evaluate the presence its members see of each other.
     */
    FIRST_MESSAGE,
    /**
     * Raised locally by a broker (never published) when it may have missed events, e.g. after its
     * connection to the cluster was lost and restored: drop every cache fed by events.
     */
    CACHES_STALE
  }

  public static ClusterEvent membershipChanged(long conversationId) {
    return new ClusterEvent(Kind.MEMBERSHIP_CHANGED, conversationId, 0);
  }

  public static ClusterEvent deviceRevoked(long userId, long deviceId) {
    return new ClusterEvent(Kind.DEVICE_REVOKED, userId, deviceId);
  }

  public static ClusterEvent profileChanged(long userId) {
    return new ClusterEvent(Kind.PROFILE_CHANGED, userId, 0);
  }

  public static ClusterEvent privacyChanged(long userId) {
    return new ClusterEvent(Kind.PRIVACY_CHANGED, userId, 0);
  }

  public static ClusterEvent firstMessage(long conversationId) {
    return new ClusterEvent(Kind.FIRST_MESSAGE, conversationId, 0);
  }

  public static ClusterEvent presenceChanged(long userId) {
    return new ClusterEvent(Kind.PRESENCE_CHANGED, userId, 0);
  }

  /** Compact text form used on the wire between nodes: {@code KIND subject detail}. */
  public String encode() {
    return kind.name() + " " + subjectId + " " + detailId;
  }

  /** Parses {@link #encode()}'s output; throws IllegalArgumentException on anything else. */
  public static ClusterEvent decode(String s) {
    String[] p = s.split(" ");
    if (p.length != 3) {
      throw new IllegalArgumentException("bad cluster event: " + s);
    }
    return new ClusterEvent(Kind.valueOf(p[0]), Long.parseLong(p[1]), Long.parseLong(p[2]));
  }
}
