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
 * min.compaction.lag.ms}; the key map is rebuilt on each run (fine for the sizes of a teaching
 * broker; Kafka bounds it with an offset map of fixed memory).
 */
final class LogCleaner {

  private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

  /** The log end offset at the last clean, per log: nothing new to do until it moves. */
  private final Map<PartitionLog, Long> cleanedUpTo = new ConcurrentHashMap<>();

  /** Compacts {@code partitionLog} if it grew since its last clean. Returns the records removed. */
  int clean(PartitionLog partitionLog, long nowMs) throws IOException {
    List<LogSegment> inactive = partitionLog.inactiveSegments();
    if (inactive.isEmpty()) {
      return 0;
    }
    long end = partitionLog.logEndOffset();
    if (cleanedUpTo.getOrDefault(partitionLog, -1L) == end) {
      return 0;
    }
    Map<ByteBuffer, Long> newestOffsetOfKey = new HashMap<>();
    for (LogSegment segment : inactive) {
      indexKeys(segment, newestOffsetOfKey);
    }
    indexKeys(partitionLog.activeSegment(), newestOffsetOfKey);

    int removed = 0;
    LogConfig cfg = partitionLog.config();
    boolean all = true;
    for (LogSegment segment : inactive) {
      if (nowMs - segment.maxTimestamp() < cfg.minCompactionLagMs()) {
        // min.compaction.lag.ms: this segment and the newer ones stay as written for now.
        all = false;
        break;
      }
      removed += rewrite(partitionLog, segment, newestOffsetOfKey, nowMs, cfg.deleteRetentionMs());
    }
    if (all) {
      cleanedUpTo.put(partitionLog, end);
    }
    if (removed > 0) {
      log.info(
          "{}: compaction removed {} superseded record(s)", partitionLog.topicPartition(), removed);
    }
    return removed;
  }

  private static void indexKeys(LogSegment segment, Map<ByteBuffer, Long> newest) {
    for (FileChannelRecordBatch batch : segment.batches()) {
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
    boolean tombstonesExpired =
        segment.maxTimestamp() >= 0 && nowMs - segment.maxTimestamp() > deleteRetentionMs;
    RecordFilter filter =
        new RecordFilter(nowMs, deleteRetentionMs) {
          @Override
          protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
            // Empty batches of idempotent producers are kept so their sequence state survives.
            return new BatchRetentionResult(
                batch.hasProducerId() ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
                false);
          }

          @Override
          protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
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
