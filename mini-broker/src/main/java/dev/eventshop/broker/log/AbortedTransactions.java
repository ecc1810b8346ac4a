package dev.eventshop.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.NavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.LongUnaryOperator;

/**
 * The aborted transactions of one partition, which read_committed consumers need to skip records:
 * in memory, ordered by the offset of each abort marker, and on disk in Kafka's transaction index
 * format, one {@code <base offset>.txnindex} per segment holding the transactions whose marker is
 * in that segment (34-byte entries: version 0, producer id, first offset, last offset, last stable
 * offset), which Kafka's log dump tool reads.
 *
 * <p>Entries are written when the marker is appended and fsynced with the log ({@link #flush}, on
 * the log's flush and roll): what a crash loses of them is after the last flush, where the log
 * replay from the producer snapshot adds them back. Mutations are serialized by the owning {@link
 * PartitionLog}; lookups run concurrently with them.
 */
final class AbortedTransactions {

  /** One aborted transaction: its producer, its first data offset and its marker's offset. */
  record Entry(long producerId, long firstOffset, long lastOffset, long lastStableOffset) {}

  private static final short VERSION = 0;
  private static final int ENTRY_SIZE = 34;

  private final Path dir;
  private final ConcurrentSkipListMap<Long, Entry> byLastOffset = new ConcurrentSkipListMap<>();
  private final java.util.Set<Long> unflushed = new java.util.HashSet<>(); // segment bases

  AbortedTransactions(Path dir) {
    this.dir = dir;
  }

  /** Reads the index files of the given segments; damaged tails are ignored (replay restores). */
  void load(Collection<Long> segmentBases) throws IOException {
    byLastOffset.clear();
    for (long base : segmentBases) {
      Path file = fileOf(base);
      if (!Files.exists(file)) {
        continue;
      }
      ByteBuffer buffer = ByteBuffer.wrap(Files.readAllBytes(file));
      while (buffer.remaining() >= ENTRY_SIZE) {
        short version = buffer.getShort();
        Entry entry =
            new Entry(buffer.getLong(), buffer.getLong(), buffer.getLong(), buffer.getLong());
        if (version != VERSION) {
          break;
        }
        byLastOffset.put(entry.lastOffset(), entry);
      }
    }
  }

  /** Adds an aborted transaction whose marker is in the segment at {@code segmentBase}. */
  void add(Entry entry, long segmentBase) throws IOException {
    if (byLastOffset.putIfAbsent(entry.lastOffset(), entry) != null) {
      return; // replayed after a restart: already in the index
    }
    try (FileChannel channel =
        FileChannel.open(
            fileOf(segmentBase),
            StandardOpenOption.CREATE,
            StandardOpenOption.WRITE,
            StandardOpenOption.APPEND)) {
      ByteBuffer buffer = encode(List.of(entry));
      while (buffer.hasRemaining()) {
        channel.write(buffer);
      }
    }
    unflushed.add(segmentBase);
  }

  /** fsyncs the index files written since the last flush. */
  void flush() throws IOException {
    for (long base : unflushed) {
      Path file = fileOf(base);
      if (Files.exists(file)) {
        try (FileChannel channel = FileChannel.open(file, StandardOpenOption.WRITE)) {
          channel.force(true);
        }
      }
    }
    unflushed.clear();
  }

  /**
   * The aborted transactions a fetch from {@code fetchOffset} that returns records below {@code
   * upperBound} needs: those whose marker is at or after the fetch offset and which began before
   * the bound.
   */
  List<Entry> overlapping(long fetchOffset, long upperBound) {
    List<Entry> found = new ArrayList<>();
    for (Entry entry : byLastOffset.tailMap(fetchOffset, true).values()) {
      if (entry.firstOffset() < upperBound) {
        found.add(entry);
      }
    }
    return found;
  }

  /**
   * The aborted transactions known now, by producer: answers whether a record was aborted in
   * logarithmic time (a producer's transactions never overlap, so the one that could hold an offset
   * is the first whose marker comes after it).
   */
  ByProducer byProducer() {
    Map<Long, java.util.TreeMap<Long, Entry>> index = new java.util.HashMap<>();
    for (Entry entry : byLastOffset.values()) {
      index
          .computeIfAbsent(entry.producerId(), id -> new java.util.TreeMap<>())
          .put(entry.lastOffset(), entry);
    }
    return (producerId, offset) -> {
      java.util.TreeMap<Long, Entry> entries = index.get(producerId);
      Map.Entry<Long, Entry> next = entries == null ? null : entries.higherEntry(offset);
      return next != null && next.getValue().firstOffset() <= offset ? next.getValue() : null;
    };
  }

  /** Which aborted transaction a record belongs to, as of when the index was taken. */
  @FunctionalInterface
  interface ByProducer {
    /** The aborted transaction of {@code producerId} that holds {@code offset}, or null. */
    Entry transactionOf(long producerId, long offset);

    default boolean isAborted(long producerId, long offset) {
      return transactionOf(producerId, offset) != null;
    }
  }

  /**
   * Forgets the aborted transactions whose markers are at {@code markerOffsets} (the cleaner found
   * no record of theirs left) and rewrites the index files that held them, given each segment base
   * by {@code segmentOf}. Offsets with no entry are ignored.
   */
  void remove(Collection<Long> markerOffsets, LongUnaryOperator segmentOf) throws IOException {
    List<Long> touched = new ArrayList<>();
    for (long offset : markerOffsets) {
      if (byLastOffset.remove(offset) != null) {
        long base = segmentOf.applyAsLong(offset);
        if (!touched.contains(base)) {
          touched.add(base);
        }
      }
    }
    for (long base : touched) {
      rewrite(base, segmentOf);
    }
  }

  /**
   * Forgets the entries whose marker is at or after {@code offset} (the log was truncated there)
   * and rewrites the index files that held them, given each remaining segment base by {@code
   * segmentOf}.
   */
  void truncateFrom(long offset, LongUnaryOperator segmentOf) throws IOException {
    NavigableMap<Long, Entry> removed = byLastOffset.tailMap(offset, true);
    if (removed.isEmpty()) {
      return;
    }
    List<Long> touched = new ArrayList<>();
    for (long last : removed.keySet()) {
      long base = segmentOf.applyAsLong(last);
      if (!touched.contains(base)) {
        touched.add(base);
      }
    }
    removed.clear();
    for (long base : touched) {
      rewrite(base, segmentOf);
    }
  }

  /** Deletes the index of a segment that is gone, with its entries ({@code [base, nextBase)}). */
  void deleteSegment(long base, long nextBase) throws IOException {
    byLastOffset.subMap(base, true, nextBase, false).clear();
    Files.deleteIfExists(fileOf(base));
  }

  /** Forgets everything and deletes every index file (the log starts over). */
  void clear(Collection<Long> segmentBases) throws IOException {
    byLastOffset.clear();
    for (long base : segmentBases) {
      Files.deleteIfExists(fileOf(base));
    }
  }

  private void rewrite(long base, LongUnaryOperator segmentOf) throws IOException {
    List<Entry> kept = new ArrayList<>();
    for (Map.Entry<Long, Entry> e : byLastOffset.tailMap(base, true).entrySet()) {
      if (segmentOf.applyAsLong(e.getKey()) == base) {
        kept.add(e.getValue());
      }
    }
    Path file = fileOf(base);
    if (kept.isEmpty()) {
      Files.deleteIfExists(file);
      return;
    }
    Path tmp = dir.resolve(file.getFileName() + ".tmp");
    ByteBuffer buffer = encode(kept);
    Files.write(tmp, java.util.Arrays.copyOf(buffer.array(), buffer.limit()));
    Files.move(tmp, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
  }

  private static ByteBuffer encode(List<Entry> entries) {
    ByteBuffer buffer = ByteBuffer.allocate(entries.size() * ENTRY_SIZE);
    for (Entry entry : entries) {
      buffer
          .putShort(VERSION)
          .putLong(entry.producerId())
          .putLong(entry.firstOffset())
          .putLong(entry.lastOffset())
          .putLong(entry.lastStableOffset());
    }
    return buffer.flip();
  }

  private Path fileOf(long segmentBase) {
    return dir.resolve(LogSegment.fileName(segmentBase, ".txnindex"));
  }
}
