package dev.eventshop.broker.log;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecords.RecordFilter;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Compaction for {@code cleanup.policy=compact}: keeps only the newest record of each key. It maps
 * every key to its newest offset across the whole log, then rewrites each inactive segment without
 * the records an offset above has superseded. Tombstones (null values) are kept for {@code
 * delete.retention.ms} so that consumers see the deletion, then removed. The active segment is
 * never rewritten, nor are segments whose newest record is younger than {@code
 * min.compaction.lag.ms} (a log held back only by that lag is not read again before it passes); the
 * key map is rebuilt on each run that has work (fine for the sizes of a teaching broker; Kafka
 * bounds it with an offset map of fixed memory).
 *
 * <p>Transactions: only records below the last stable offset count as newer versions of a key, and
 * records of aborted transactions never do (they are removed once superseded, like any other);
 * transaction markers are always kept. So a committed value is never lost to an aborted or
 * undecided one.
 */
final class LogCleaner {

  private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

  /**
   * Per log, where its last clean left it: the log end offset and active segment then, and the
   * earliest time a segment held back by {@code min.compaction.lag.ms} becomes eligible. Until the
   * log grows or rolls, or that time comes, a run has nothing to do and reads nothing.
   */
  private final Map<PartitionLog, CleanState> lastClean = new ConcurrentHashMap<>();

  private record CleanState(long logEndOffset, long activeBaseOffset, long heldBackUntilMs) {}

  /** Compacts {@code partitionLog} if it grew since its last clean. Returns the records removed. */
  int clean(PartitionLog partitionLog, long nowMs) throws IOException {
    List<LogSegment> inactive = partitionLog.inactiveSegments();
    if (inactive.isEmpty()) {
      return 0;
    }
    long end = partitionLog.logEndOffset();
    long activeBase = partitionLog.activeSegment().baseOffset();
    CleanState last = lastClean.get(partitionLog);
    if (last != null
        && last.logEndOffset() == end
        && last.activeBaseOffset() == activeBase
        && nowMs < last.heldBackUntilMs()) {
      return 0;
    }
    LogConfig cfg = partitionLog.config();
    // min.compaction.lag.ms: the first segment whose newest record is younger than the lag, and
    // every newer one, stay as written for now.
    int eligible = 0;
    long heldBackUntilMs = Long.MAX_VALUE;
    for (LogSegment segment : inactive) {
      long oldEnoughAtMs = segment.largestTimestamp() + cfg.minCompactionLagMs();
      if (nowMs < oldEnoughAtMs) {
        heldBackUntilMs = oldEnoughAtMs;
        break;
      }
      eligible++;
    }
    CleanState done = new CleanState(end, activeBase, heldBackUntilMs);
    if (eligible == 0) {
      lastClean.put(partitionLog, done);
      return 0;
    }
    Map<ByteBuffer, Long> newestOffsetOfKey = new HashMap<>();
    long stableEnd = partitionLog.lastStableOffset();
    AbortedTransactions.ByProducer aborted = partitionLog.abortedByProducer(); // after stableEnd
    for (LogSegment segment : inactive) {
      indexKeys(segment, stableEnd, aborted, newestOffsetOfKey);
    }
    indexKeys(partitionLog.activeSegment(), stableEnd, aborted, newestOffsetOfKey);

    int removed = 0;
    for (LogSegment segment : inactive.subList(0, eligible)) {
      removed += rewrite(partitionLog, segment, newestOffsetOfKey, nowMs, cfg.deleteRetentionMs());
    }
    // Recorded only once every rewrite succeeded: a failed run is tried again on the next one.
    lastClean.put(partitionLog, done);
    if (removed > 0) {
      log.info(
          "{}: compaction removed {} superseded record(s)", partitionLog.topicPartition(), removed);
    }
    return removed;
  }

  private static void indexKeys(
      LogSegment segment,
      long stableEnd,
      AbortedTransactions.ByProducer aborted,
      Map<ByteBuffer, Long> newest) {
    for (FileChannelRecordBatch batch : segment.batches()) {
      if (batch.isControlBatch()
          || batch.lastOffset() >= stableEnd
          || (batch.isTransactional()
              && aborted.isAborted(batch.producerId(), batch.baseOffset()))) {
        continue;
      }
      try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
        while (records.hasNext()) {
          Record record = records.next();
          if (record.hasKey()) {
            newest.put(copy(record.key()), record.offset());
          }
        }
      }
    }
  }

  private static ByteBuffer copy(ByteBuffer key) {
    ByteBuffer copy = ByteBuffer.allocate(key.remaining());
    copy.put(key.duplicate()).flip();
    return copy;
  }

  private static int rewrite(
      PartitionLog partitionLog,
      LogSegment segment,
      Map<ByteBuffer, Long> newestOffsetOfKey,
      long nowMs,
      long deleteRetentionMs)
      throws IOException {
    ByteBuffer original = ByteBuffer.allocate(segment.sizeInBytes());
    segment.fileRecords().readInto(original, 0); // reads and flips
    MemoryRecords records = MemoryRecords.readableRecords(original);
    boolean tombstonesExpired = nowMs - segment.largestTimestamp() > deleteRetentionMs;
    RecordFilter filter =
        new RecordFilter(nowMs, deleteRetentionMs) {
          @Override
          protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            if (batch.isControlBatch()) {
              return new BatchRetentionResult(BatchRetention.RETAIN_EMPTY, false);
            }
            // Empty batches of idempotent producers are kept so their sequence state survives.
            return new BatchRetentionResult(
                batch.hasProducerId() ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                false);
          }

          @Override
          protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
            if (batch.isControlBatch()) {
              return true;
            }
            if (!record.hasKey()) {
              return false;
            }
            Long newest = newestOffsetOfKey.get(record.key());
            if (newest != null && newest > record.offset()) {
              return false;
            }
            return record.hasValue() || !tombstonesExpired;
          }
        };
    ByteBuffer output = ByteBuffer.allocate(Math.max(1024, segment.sizeInBytes()));
    MemoryRecords.FilterResult result = records.filterTo(filter, output, BufferSupplier.NO_CACHING);
    int removed = result.messagesRead() - result.messagesRetained();
    if (removed == 0) {
      return 0;
    }
    ByteBuffer cleaned = result.outputBuffer();
    cleaned.flip();
    Path cleanedFile =
        partitionLog.dir().resolve(LogSegment.fileName(segment.baseOffset(), ".log.cleaned"));
    try (var channel =
        java.nio.channels.FileChannel.open(
            cleanedFile,
            java.nio.file.StandardOpenOption.CREATE,
            java.nio.file.StandardOpenOption.TRUNCATE_EXISTING,
            java.nio.file.StandardOpenOption.WRITE)) {
      while (cleaned.hasRemaining()) {
        channel.write(cleaned);
      }
      channel.force(true);
    }
    partitionLog.replaceSegment(segment, cleanedFile);
    Files.deleteIfExists(cleanedFile);
    return removed;
  }
}
