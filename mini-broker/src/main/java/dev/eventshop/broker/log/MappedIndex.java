package dev.eventshop.broker.log;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.MappedByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * A memory-mapped file of fixed-size index entries, preallocated to its maximum size while it is
 * written and trimmed to the entries it holds when closed, as Kafka's indexes are. On open, the
 * entries are read from the file's length; trailing zeros of a file that was not trimmed (after a
 * crash) end the entries. A segment rebuilds an index it cannot trust during recovery.
 */
abstract class MappedIndex implements AutoCloseable {

  protected final Path file;
  protected final long baseOffset;
  protected final int entrySize;
  protected int maxEntries;
  protected MappedByteBuffer mmap;
  protected volatile int entries;

  protected MappedIndex(Path file, long baseOffset, int maxBytes, int entrySize)
      throws IOException {
    this.file = file;
    this.baseOffset = baseOffset;
    this.entrySize = entrySize;
    this.maxEntries = Math.max(1, maxBytes / entrySize);
    boolean existed = Files.exists(file);
    long existingLength = existed ? Files.size(file) : 0;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength((long) maxEntries * entrySize);
      mmap = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, (long) maxEntries * entrySize);
    }
    int n = (int) Math.min(maxEntries, existingLength / entrySize);
    int valid = 0;
    for (int slot = 0; slot < n; slot++) {
      if (!isValidEntry(slot, slot - 1) || (slot > 0 && isZero(slot))) {
        break;
      }
      valid = slot + 1;
    }
    entries = valid;
  }

  private boolean isZero(int slot) {
    for (int i = 0; i < entrySize; i++) {
      if (mmap.get(slot * entrySize + i) != 0) {
        return false;
      }
    }
    return true;
  }

  /** Whether {@code slot} holds a plausible entry following {@code previousSlot} (-1: none). */
  protected abstract boolean isValidEntry(int slot, int previousSlot);

  int entries() {
    return entries;
  }

  boolean isFull() {
    return entries >= maxEntries;
  }

  void reset() {
    entries = 0;
  }

  void flush() {
    mmap.force();
  }

  /**
   * Shrinks the file to the entries it holds, as for a segment that stops being active: other tools
   * (Kafka's log dump tool) then read it as Kafka writes it. No entry can be added after.
   */
  void trim() throws IOException {
    mmap.force();
    int length = entries * entrySize;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      // Readers use only slots below `entries`, all inside the new length.
      MappedByteBuffer trimmed = raf.getChannel().map(FileChannel.MapMode.READ_WRITE, 0, length);
      mmap = trimmed;
      raf.setLength(length);
    }
    maxEntries = entries;
  }

  /** Trims the file to its entries and unmaps it. */
  @Override
  public void close() throws IOException {
    mmap.force();
    int length = entries * entrySize;
    mmap = null;
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "rw")) {
      raf.setLength(length);
    } catch (IOException e) {
      // On some platforms a mapped file cannot shrink until the mapping is collected.
      throw new IOException("cannot trim index " + file, e);
    }
  }

  void delete() throws IOException {
    mmap = null;
    Files.deleteIfExists(file);
  }
}
