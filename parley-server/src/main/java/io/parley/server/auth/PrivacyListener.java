package io.parley.server.auth;

/**
 * Hears a user's stored presence privacy change (so that presence already shown to subscribers is
 * re-evaluated). In cluster mode the event is to be routed to every node. Must not block.
 */
@FunctionalInterface
public interface PrivacyListener {
  void privacyChanged(long userId, Privacy privacy);
}
