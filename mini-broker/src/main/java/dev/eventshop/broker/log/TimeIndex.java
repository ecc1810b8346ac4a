package dev.eventshop.broker.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The time index of one segment, in Kafka's format ({@code <base>.timeindex}): 12-byte entries of
 * (timestamp as int64, offset - base offset as int32), timestamps strictly increasing. ListOffsets
 * by timestamp uses it to find where to start scanning.
 */
final class TimeIndex extends MappedIndex {

  static final int ENTRY_SIZE = 12;

  TimeIndex(Path file, long baseOffset, int maxBytes) throws IOException {
    super(file, baseOffset, maxBytes, ENTRY_SIZE);
  }

  /** Adds an entry if {@code timestamp} is newer than the last one. */
  void maybeAppend(long timestamp, long offset) {
    int n = entries;
    if (n > 0 && timestamp <= mmap.getLong((n - 1) * ENTRY_SIZE)) {
      return;
    }
    if (n >= maxEntries) {
      return;
    }
    mmap.putLong(n * ENTRY_SIZE, timestamp);
    mmap.putInt(n * ENTRY_SIZE + 8, (int) (offset - baseOffset));
    entries = n + 1;
  }

  /**
   * The offset of the last entry whose timestamp is below {@code timestamp}, or the base offset.
   */
  long lookupOffsetBefore(long timestamp) {
    int lo = 0;
    int hi = entries - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      if (mmap.getLong(mid * ENTRY_SIZE) < timestamp) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found < 0 ? baseOffset : baseOffset + mmap.getInt(found * ENTRY_SIZE + 8);
  }

  /** The newest timestamp indexed, or -1. */
  long lastTimestamp() {
    int n = entries;
    return n == 0 ? -1 : mmap.getLong((n - 1) * ENTRY_SIZE);
  }

  void truncateTo(long offset) {
    int n = entries;
    while (n > 0 && baseOffset + mmap.getInt((n - 1) * ENTRY_SIZE + 8) >= offset) {
      n--;
    }
    entries = n;
  }

  @Override
  protected boolean isValidEntry(int slot, int previousSlot) {
    long timestamp = mmap.getLong(slot * ENTRY_SIZE);
    int relative = mmap.getInt(slot * ENTRY_SIZE + 8);
    if (previousSlot < 0) {
      return relative >= 0;
    }
    return timestamp > mmap.getLong(previousSlot * ENTRY_SIZE)
        && relative >= mmap.getInt(previousSlot * ENTRY_SIZE + 8);
  }
}
