package io.parley.server.conversation.model;

import java.util.concurrent.locks.StampedLock;

/**
 * A concurrent hash table from a key of one or two {@code long}s to a fixed number of {@code long}
 * values, kept in primitive arrays: no object per entry.
 *
 * <p>Why: the hot-path caches of {@link Memberships} hold an entry per conversation, and with
 * random pairs of users every first message adds one. As {@code ConcurrentHashMap}s of boxed keys
 * that was about 250 bytes and six objects per direct conversation, which every young collection
 * copied between survivor spaces until they were promoted: profiled in {@code direct-random} at
 * 6,000 msg/s, 30 MB of survivors and young pauses of 50–94 ms. Here an entry is a few words of a
 * {@code long[]} that the collector moves as one array and never scans for references.
 *
 * <p>Layout: 64 stripes, each an open-addressing table with linear probing (deletion by backward
 * shift, so no tombstones) under a {@link StampedLock}. Reads are optimistic: they take no lock
 * unless a write to the same stripe ran meanwhile, and then retry under the read lock. Writes lock
 * one stripe. Keys are spread with a 64-bit finalizer, since application ids (Snowflake: time,
 * node, sequence) share their low bits.
 *
 * <p>Bounded: a stripe holding {@code maxEntries / 64} entries is emptied before the next insert,
 * so the table forgets about 1/64 of its entries at a time rather than all at once. Key {@code 0}
 * (first word) is not stored: lookups of it miss and stores of it are ignored (ids are positive).
 */
final class LongTable {
  private static final int STRIPE_BITS = 6;
  private static final int STRIPES = 1 << STRIPE_BITS;
  private static final int INITIAL_SLOTS = 16;

  private final int keyWidth;
  private final int valueWidth;
  private final int stride;
  private final int maxPerStripe;
  private final Stripe[] stripes = new Stripe[STRIPES];

  private static final class Stripe {
    final StampedLock lock = new StampedLock();
    long[] slots; // stride words per slot; slot empty when its first key word is 0
    int size;
  }

  /**
   * @param keyWidth 1 or 2 words of key
   * @param valueWidth words of value per entry (at least 1)
   * @param maxEntries about how many entries the table keeps before it forgets some
   */
  LongTable(int keyWidth, int valueWidth, int maxEntries) {
    if (keyWidth < 1 || keyWidth > 2 || valueWidth < 1) {
      throw new IllegalArgumentException("key width 1 or 2, value width >= 1");
    }
    this.keyWidth = keyWidth;
    this.valueWidth = valueWidth;
    this.stride = keyWidth + valueWidth;
    this.maxPerStripe = Math.max(1, maxEntries / STRIPES);
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
      stripes[i].slots = new long[INITIAL_SLOTS * stride];
    }
  }

  /** Copies the values of {@code (k1, k2)} into {@code out}; false if absent. */
  boolean get(long k1, long k2, long[] out) {
    return read(k1, k2, out, PRESENCE, 0) == 1;
  }

  /** Whether {@code (k1, k2)} has an entry. */
  boolean contains(long k1, long k2) {
    return read(k1, k2, null, PRESENCE, 0) == 1;
  }

  /** Value word {@code index} of {@code (k1, k2)}, or {@code missing} if absent. */
  long get(long k1, long k2, int index, long missing) {
    return read(k1, k2, null, index, missing);
  }

  /** {@link #read}'s {@code index} asking whether the key is there (1) or not (missing). */
  private static final int PRESENCE = -1;

  /**
   * The one lookup of every read: optimistic first, under the read lock if a write to the stripe
   * ran meanwhile. Copies the values into {@code out} (if not null) and returns value word {@code
   * index}, or 1 for {@link #PRESENCE}; {@code missing} if absent. Allocates nothing.
   */
  private long read(long k1, long k2, long[] out, int index, long missing) {
    if (k1 == 0) {
      return missing;
    }
    long h = hash(k1, k2);
    Stripe s = stripeOf(h);
    long stamp = s.lock.tryOptimisticRead();
    if (stamp != 0) {
      long v = readAt(s.slots, h, k1, k2, out, index, missing);
      if (s.lock.validate(stamp)) {
        return v;
      }
    }
    stamp = s.lock.readLock();
    try {
      return readAt(s.slots, h, k1, k2, out, index, missing);
    } finally {
      s.lock.unlockRead(stamp);
    }
  }

  /** Stores {@code values} (exactly the value width) under {@code (k1, k2)}. */
  void put(long k1, long k2, long... values) {
    if (k1 == 0) {
      return;
    }
    long h = hash(k1, k2);
    Stripe s = stripeOf(h);
    long stamp = s.lock.writeLock();
    try {
      int at = indexOf(s.slots, h, k1, k2);
      if (at < 0) {
        at = insert(s, h, k1, k2);
      }
      System.arraycopy(values, 0, s.slots, at + keyWidth, valueWidth);
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /**
   * Raises value word 0 of {@code (k1, k2)} to at least {@code value} (stores it if absent) and
   * returns the value now stored. Other value words of a new entry are 0.
   */
  long putMax(long k1, long k2, long value) {
    if (k1 == 0) {
      return value;
    }
    long h = hash(k1, k2);
    Stripe s = stripeOf(h);
    long stamp = s.lock.writeLock();
    try {
      int at = indexOf(s.slots, h, k1, k2);
      if (at < 0) {
        at = insert(s, h, k1, k2);
        s.slots[at + keyWidth] = value;
      } else if (s.slots[at + keyWidth] < value) {
        s.slots[at + keyWidth] = value;
      }
      return s.slots[at + keyWidth];
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Removes {@code (k1, k2)}; true if it was there. */
  boolean remove(long k1, long k2) {
    if (k1 == 0) {
      return false;
    }
    long h = hash(k1, k2);
    Stripe s = stripeOf(h);
    long stamp = s.lock.writeLock();
    try {
      int at = indexOf(s.slots, h, k1, k2);
      if (at < 0) {
        return false;
      }
      deleteAt(s.slots, at / stride);
      s.size--;
      return true;
    } finally {
      s.lock.unlockWrite(stamp);
    }
  }

  /** Removes every entry. */
  void clear() {
    for (Stripe s : stripes) {
      long stamp = s.lock.writeLock();
      try {
        s.slots = new long[INITIAL_SLOTS * stride];
        s.size = 0;
      } finally {
        s.lock.unlockWrite(stamp);
      }
    }
  }

  /** Entries held (a snapshot; for tests and metrics). */
  int size() {
    int n = 0;
    for (Stripe s : stripes) {
      long stamp = s.lock.readLock();
      try {
        n += s.size;
      } finally {
        s.lock.unlockRead(stamp);
      }
    }
    return n;
  }

  /**
   * {@link #read} on one array. May run on a table being changed (an optimistic read): it reads the
   * array once, and {@link #indexOf} stops after one pass whatever it finds.
   */
  private long readAt(long[] t, long h, long k1, long k2, long[] out, int index, long missing) {
    int at = indexOf(t, h, k1, k2);
    if (at < 0) {
      return missing;
    }
    if (out != null) {
      System.arraycopy(t, at + keyWidth, out, 0, valueWidth);
    }
    return index == PRESENCE ? 1 : t[at + keyWidth + index];
  }

  /** The word index of the key's slot in {@code t}, or -1: one pass of linear probing at most. */
  private int indexOf(long[] t, long h, long k1, long k2) {
    int mask = t.length / stride - 1;
    for (int i = (int) h & mask, n = 0; n <= mask; i = (i + 1) & mask, n++) {
      int at = i * stride;
      if (t[at] == 0) {
        return -1;
      }
      if (matches(t, at, k1, k2)) {
        return at;
      }
    }
    return -1;
  }

  /**
   * Under the write lock, for an absent key: makes room (forgets the stripe when full, grows it
   * past 3/4) and stores the key with values 0; returns the word index of its slot.
   */
  private int insert(Stripe s, long h, long k1, long k2) {
    if (s.size >= maxPerStripe) {
      s.slots = new long[INITIAL_SLOTS * stride];
      s.size = 0;
    } else if ((s.size + 1) * 4L > (s.slots.length / stride) * 3L) {
      grow(s);
    }
    int at = freeSlot(s.slots, h);
    s.slots[at] = k1;
    if (keyWidth == 2) {
      s.slots[at + 1] = k2;
    }
    s.size++;
    return at;
  }

  /** The word index of the first empty slot from the hash's home (there is always one). */
  private int freeSlot(long[] t, long h) {
    int mask = t.length / stride - 1;
    int i = (int) h & mask;
    while (t[i * stride] != 0) {
      i = (i + 1) & mask;
    }
    return i * stride;
  }

  private void grow(Stripe s) {
    long[] old = s.slots;
    long[] t = new long[old.length * 2];
    for (int at = 0; at < old.length; at += stride) {
      if (old[at] != 0) {
        System.arraycopy(old, at, t, freeSlot(t, hashAt(old, at)), stride);
      }
    }
    s.slots = t; // a reader of the old array fails validation and retries
  }

  /** Backward-shift deletion: later entries of the probe run move up so no lookup stops early. */
  private void deleteAt(long[] t, int hole) {
    int mask = t.length / stride - 1;
    int i = hole;
    int j = hole;
    while (true) {
      j = (j + 1) & mask;
      int at = j * stride;
      if (t[at] == 0) {
        break;
      }
      int home = (int) hashAt(t, at) & mask;
      // the entry at j may fill the hole at i unless its home lies cyclically in (i, j]
      boolean stays = i <= j ? (i < home && home <= j) : (i < home || home <= j);
      if (!stays) {
        System.arraycopy(t, at, t, i * stride, stride);
        i = j;
      }
    }
    java.util.Arrays.fill(t, i * stride, i * stride + stride, 0L);
  }

  private Stripe stripeOf(long h) {
    return stripes[(int) (h >>> (64 - STRIPE_BITS))];
  }

  /** The hash of the key stored at word index {@code at}. */
  private long hashAt(long[] t, int at) {
    return hash(t[at], keyWidth == 2 ? t[at + 1] : 0);
  }

  private boolean matches(long[] t, int at, long k1, long k2) {
    return t[at] == k1 && (keyWidth == 1 || t[at + 1] == k2);
  }

  private long hash(long k1, long k2) {
    long h = k1 * 0x9E3779B97F4A7C15L + (keyWidth == 2 ? k2 : 0);
    // MurmurHash3's 64-bit finalizer
    h ^= h >>> 33;
    h *= 0xFF51AFD7ED558CCDL;
    h ^= h >>> 33;
    h *= 0xC4CEB9FE1A85EC53L;
    h ^= h >>> 33;
    return h;
  }
}
