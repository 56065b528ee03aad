package io.parley.server.presence;

import java.util.Collection;
import java.util.function.LongPredicate;
import java.util.function.Supplier;

/** This node's connected users, as presence sees them (the gateway's connections). */
public interface LocalUsers {
  boolean isOnline(long userId);

  Collection<Long> users();

  static LocalUsers of(LongPredicate isOnline, Supplier<? extends Collection<Long>> users) {
    return new LocalUsers() {
      @Override
      public boolean isOnline(long userId) {
        return isOnline.test(userId);
      }

      @Override
      public Collection<Long> users() {
        return users.get();
      }
    };
  }
}
