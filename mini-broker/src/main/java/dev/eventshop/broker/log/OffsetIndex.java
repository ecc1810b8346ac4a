package dev.eventshop.broker.log;

import java.io.IOException;
import java.nio.file.Path;

/**
 * The sparse offset index of one segment, in Kafka's format ({@code <base>.index}): 8-byte entries
 * of (offset - base offset as int32, file position as int32), both strictly increasing. An entry is
 * added every {@code index.interval.bytes} of appended records, so a lookup finds the batch at or
 * before an offset without scanning the whole segment.
 *
 * <p>The file is preallocated and memory-mapped while the segment is active, then trimmed to its
 * entries. Not thread-safe: the owning {@link LogSegment} serializes writers; readers tolerate a
 * concurrent append because {@code entries} is published last.
 */
final class OffsetIndex extends MappedIndex {

  static final int ENTRY_SIZE = 8;

  OffsetIndex(Path file, long baseOffset, int maxBytes) throws IOException {
    super(file, baseOffset, maxBytes, ENTRY_SIZE);
  }

  /** Adds an entry; offsets and positions must grow. */
  void append(long offset, int position) {
    int n = entries;
    if (n > 0 && offset <= lastOffset()) {
      return;
    }
    mmap.putInt(n * ENTRY_SIZE, (int) (offset - baseOffset));
    mmap.putInt(n * ENTRY_SIZE + 4, position);
    entries = n + 1;
  }

  /** The position of the last indexed batch starting at or before {@code offset}, or 0. */
  int lookupPosition(long offset) {
    int slot = largestSlotAtOrBelow(offset - baseOffset);
    return slot < 0 ? 0 : mmap.getInt(slot * ENTRY_SIZE + 4);
  }

  long lastOffset() {
    return entries == 0 ? baseOffset : baseOffset + mmap.getInt((entries - 1) * ENTRY_SIZE);
  }

  /** Drops every entry for offsets at or above {@code offset}. */
  void truncateTo(long offset) {
    entries = largestSlotBelow(offset - baseOffset) + 1;
  }

  private int largestSlotAtOrBelow(long relative) {
    return search(relative, true);
  }

  private int largestSlotBelow(long relative) {
    return search(relative, false);
  }

  private int search(long relative, boolean inclusive) {
    int lo = 0;
    int hi = entries - 1;
    int found = -1;
    while (lo <= hi) {
      int mid = (lo + hi) >>> 1;
      int key = mmap.getInt(mid * ENTRY_SIZE);
      if (key < relative || (inclusive && key == relative)) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    return found;
  }

  @Override
  protected boolean isValidEntry(int slot, int previousSlot) {
    int relative = mmap.getInt(slot * ENTRY_SIZE);
    int position = mmap.getInt(slot * ENTRY_SIZE + 4);
    if (previousSlot < 0) {
      return relative >= 0 && position >= 0;
    }
    return relative > mmap.getInt(previousSlot * ENTRY_SIZE)
        && position > mmap.getInt(previousSlot * ENTRY_SIZE + 4);
  }
}
