package dev.eventshop.broker.log;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords;
import org.apache.kafka.common.record.FileRecords.LogOffsetPosition;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * One segment of a partition log: a {@code <base offset>.log} file of record batches in Kafka's
 * format, with its sparse {@link OffsetIndex} and {@link TimeIndex}. Files are named by the
 * 20-digit base offset, the offset of the first record the segment can hold.
 *
 * <p>Invariants: batches are stored in offset order, each batch's offsets are above the previous
 * batch's; every index entry points at a batch boundary inside the file. Appends, truncation and
 * recovery are serialized by the owning {@link PartitionLog}; reads may run concurrently with an
 * append and see a prefix of it.
 */
public final class LogSegment {

  private final long baseOffset;
  private final Path dir;
  private final FileRecords log;
  private final OffsetIndex offsetIndex;
  private final TimeIndex timeIndex;
  private final int indexIntervalBytes;
  private int bytesSinceLastIndexEntry;
  private volatile long maxTimestamp = RecordBatch.NO_TIMESTAMP;
  private volatile long offsetOfMaxTimestamp = -1;
  private volatile long firstAppendMs = -1;

  private LogSegment(Path dir, long baseOffset, LogConfig config, boolean exists)
      throws IOException {
    this.baseOffset = baseOffset;
    this.dir = dir;
    this.indexIntervalBytes = config.indexIntervalBytes();
    this.log = FileRecords.open(logFile(dir, baseOffset), true, exists, 0, false);
    this.offsetIndex =
        new OffsetIndex(file(dir, baseOffset, ".index"), baseOffset, config.segmentIndexBytes());
    this.timeIndex =
        new TimeIndex(file(dir, baseOffset, ".timeindex"), baseOffset, config.segmentIndexBytes());
  }

  /** Creates an empty segment. */
  static LogSegment create(Path dir, long baseOffset, LogConfig config) throws IOException {
    Files.deleteIfExists(file(dir, baseOffset, ".index"));
    Files.deleteIfExists(file(dir, baseOffset, ".timeindex"));
    return new LogSegment(dir, baseOffset, config, false);
  }

  /** Opens an existing segment; its indexes are trusted only after {@link #recover}. */
  static LogSegment open(Path dir, long baseOffset, LogConfig config) throws IOException {
    LogSegment segment = new LogSegment(dir, baseOffset, config, true);
    segment.loadTimestamps();
    return segment;
  }

  static String fileName(long offset, String suffix) {
    return String.format("%020d%s", offset, suffix);
  }

  static File logFile(Path dir, long baseOffset) {
    return file(dir, baseOffset, ".log").toFile();
  }

  private static Path file(Path dir, long baseOffset, String suffix) {
    return dir.resolve(fileName(baseOffset, suffix));
  }

  public long baseOffset() {
    return baseOffset;
  }

  public int sizeInBytes() {
    return log.sizeInBytes();
  }

  /** The newest record timestamp in this segment, or -1 if it has none. */
  public long maxTimestamp() {
    return maxTimestamp;
  }

  /**
   * The age reference for retention and compaction, as Kafka's: the newest record timestamp, or for
   * a segment whose records carry none, the time its file was last written.
   */
  long largestTimestamp() {
    long newest = maxTimestamp;
    return newest >= 0 ? newest : log.file().lastModified();
  }

  long offsetOfMaxTimestamp() {
    return offsetOfMaxTimestamp;
  }

  long firstAppendMs() {
    return firstAppendMs;
  }

  boolean indexFull() {
    return offsetIndex.isFull() || timeIndex.isFull();
  }

  /**
   * Appends batches whose offsets are already assigned. Indexes the batch that crosses each {@code
   * index.interval.bytes} boundary, as Kafka does.
   */
  void append(MemoryRecords records, long nowMs) throws IOException {
    if (firstAppendMs < 0) {
      firstAppendMs = nowMs;
    }
    int position = log.sizeInBytes();
    for (RecordBatch batch : records.batches()) {
      if (batch.maxTimestamp() > maxTimestamp) {
        maxTimestamp = batch.maxTimestamp();
        offsetOfMaxTimestamp = batch.lastOffset();
      }
      if (bytesSinceLastIndexEntry > indexIntervalBytes) {
        offsetIndex.append(batch.lastOffset(), position);
        timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
        bytesSinceLastIndexEntry = 0;
      }
      position += batch.sizeInBytes();
      bytesSinceLastIndexEntry += batch.sizeInBytes();
    }
    log.append(records);
  }

  /**
   * Whole batches from the one containing {@code startOffset}, up to {@code maxBytes} and below
   * {@code maxOffset} (exclusive); the first batch is returned whole even if larger than {@code
   * maxBytes} when {@code minOneBatch}. Null when no batch at or after {@code startOffset} is
   * readable.
   */
  FileSlice read(long startOffset, int maxBytes, long maxOffset, boolean minOneBatch) {
    LogOffsetPosition start =
        log.searchForOffsetFromPosition(startOffset, offsetIndex.lookupPosition(startOffset));
    if (start == null) {
      return null;
    }
    int size = 0;
    long end = maxOffset; // lowered to the first batch left out, when there is one
    Iterator<FileChannelRecordBatch> batches = log.batchesFrom(start.position).iterator();
    while (batches.hasNext()) {
      FileChannelRecordBatch batch = batches.next();
      if (batch.baseOffset() >= maxOffset) {
        end = batch.baseOffset();
        break;
      }
      if (size + batch.sizeInBytes() > maxBytes && !(size == 0 && minOneBatch)) {
        end = batch.baseOffset();
        break;
      }
      size += batch.sizeInBytes();
      if (size >= maxBytes) {
        if (batches.hasNext()) {
          end = Math.min(end, batches.next().baseOffset());
        }
        break;
      }
    }
    return size == 0 ? null : new FileSlice(log.channel(), start.position, size, end);
  }

  /** The first record with a timestamp at or after {@code timestamp}, or null. */
  TimestampAndOffset findOffsetByTimestamp(long timestamp, long startingOffset) {
    int position = offsetIndex.lookupPosition(timeIndex.lookupOffsetBefore(timestamp));
    return log.searchForTimestamp(timestamp, position, startingOffset);
  }

  /**
   * Re-reads every batch, validating its size, CRC and offsets; rebuilds both indexes and cuts the
   * file at the first invalid byte.
   *
   * @return the number of bytes truncated
   */
  RecoveryResult recover() throws IOException {
    offsetIndex.reset();
    timeIndex.reset();
    bytesSinceLastIndexEntry = 0;
    maxTimestamp = RecordBatch.NO_TIMESTAMP;
    offsetOfMaxTimestamp = -1;
    int validBytes = 0;
    long nextOffset = baseOffset;
    String problem = null;
    try {
      for (FileChannelRecordBatch batch : log.batches()) {
        if (batch.baseOffset() < nextOffset) {
          problem =
              "batch at position %d has offset %d below %d"
                  .formatted(validBytes, batch.baseOffset(), nextOffset);
          break;
        }
        batch.ensureValid();
        if (batch.maxTimestamp() > maxTimestamp) {
          maxTimestamp = batch.maxTimestamp();
          offsetOfMaxTimestamp = batch.lastOffset();
        }
        if (bytesSinceLastIndexEntry > indexIntervalBytes) {
          offsetIndex.append(batch.lastOffset(), validBytes);
          timeIndex.maybeAppend(maxTimestamp, offsetOfMaxTimestamp);
          bytesSinceLastIndexEntry = 0;
        }
        validBytes += batch.sizeInBytes();
        bytesSinceLastIndexEntry += batch.sizeInBytes();
        nextOffset = batch.nextOffset();
      }
    } catch (CorruptRecordException e) {
      problem = "corrupt batch at position %d: %s".formatted(validBytes, e.getMessage());
    }
    int truncated = log.sizeInBytes() - validBytes;
    if (truncated > 0 && problem == null) {
      problem = "incomplete batch at position %d".formatted(validBytes);
    }
    if (truncated > 0) {
      log.truncateTo(validBytes);
    }
    return new RecoveryResult(nextOffset, truncated, problem);
  }

  /** What recovery found: the next offset after the last valid batch, and what it cut off. */
  record RecoveryResult(long nextOffset, int truncatedBytes, String problem) {}

  /** The offset after the last batch, scanning from the last index entry. */
  long readNextOffset() {
    long next = baseOffset;
    for (FileChannelRecordBatch batch :
        log.batchesFrom(offsetIndex.lookupPosition(Long.MAX_VALUE))) {
      next = batch.nextOffset();
    }
    return next;
  }

  private void loadTimestamps() {
    long ts = timeIndex.lastTimestamp();
    if (ts >= 0) {
      maxTimestamp = ts;
    }
    try {
      firstAppendMs = Files.getLastModifiedTime(logFile(dir, baseOffset).toPath()).toMillis();
    } catch (IOException e) {
      firstAppendMs = System.currentTimeMillis();
    }
  }

  /** Removes every batch at or above {@code offset}; returns the bytes removed. */
  int truncateTo(long offset) throws IOException {
    LogOffsetPosition position =
        log.searchForOffsetFromPosition(offset, offsetIndex.lookupPosition(offset));
    offsetIndex.truncateTo(offset);
    timeIndex.truncateTo(offset);
    if (position == null) {
      return 0;
    }
    int removed = log.truncateTo(position.position);
    bytesSinceLastIndexEntry = 0;
    return removed;
  }

  /** Every batch in the segment, for compaction and producer-state rebuilds. */
  Iterable<FileChannelRecordBatch> batches() {
    return log.batches();
  }

  Iterable<FileChannelRecordBatch> batchesFrom(long offset) {
    LogOffsetPosition start =
        log.searchForOffsetFromPosition(offset, offsetIndex.lookupPosition(offset));
    return start == null ? java.util.List.of() : log.batchesFrom(start.position);
  }

  FileRecords fileRecords() {
    return log;
  }

  void flush() throws IOException {
    log.flush();
    offsetIndex.flush();
    timeIndex.flush();
  }

  /** Flushes, and trims the index files to their entries, as Kafka does when a segment rolls. */
  void onBecomeInactive() throws IOException {
    flush();
    offsetIndex.trim();
    timeIndex.trim();
  }

  void close() throws IOException {
    offsetIndex.close();
    timeIndex.close();
    log.close();
  }

  /**
   * Deletes the files. The file channel is closed later by {@code closeLater}, because a Fetch
   * response may still be sending from it.
   */
  void delete(java.util.function.Consumer<Runnable> closeLater) throws IOException {
    offsetIndex.delete();
    timeIndex.delete();
    Files.deleteIfExists(logFile(dir, baseOffset).toPath());
    closeLater.accept(
        () -> {
          try {
            log.closeHandlers();
          } catch (IOException ignored) {
            // Already unlinked; nothing left to lose.
          }
        });
  }

  @Override
  public String toString() {
    return "LogSegment("
        + dir.getFileName()
        + "/"
        + fileName(baseOffset, ".log")
        + ", "
        + sizeInBytes()
        + " bytes)";
  }
}
