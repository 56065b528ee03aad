package io.parley.server.messaging;

import java.util.AbstractList;
import java.util.RandomAccess;

/** A read-only {@code List<Long>} view of a {@code long[]}, without copying. */
final class LongArrayList extends AbstractList<Long> implements RandomAccess {
  private final long[] values;

  LongArrayList(long[] values) {
    this.values = values;
  }

  @Override
  public Long get(int index) {
    return values[index];
  }

  @Override
  public int size() {
    return values.length;
  }
}
