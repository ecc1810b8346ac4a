package dev.eventshop.broker.log;

import dev.eventshop.broker.producer.ProducerStateManager;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
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
 * Compaction for {@code cleanup.policy=compact}, as Apache Kafka's log cleaner does it. A run maps
 * every key to its newest offset below the last stable offset, then rewrites each inactive segment
 * that changes:
 *
 * <ul>
 *   <li>A record is removed when a newer record of its key supersedes it. Only records below the
 *       last stable offset and outside aborted transactions supersede, so a committed value is
 *       never lost to an aborted or undecided one. Records at or above the last stable offset stay
 *       as they are.
 *   <li>The records of a transaction aborted below the last stable offset are removed, whatever
 *       their keys.
 *   <li>A tombstone (null value), and a transaction marker with no batch of its transaction left
 *       before it, get a delete horizon ({@code delete.retention.ms} from the run that first keeps
 *       them, stored in their batch as in Kafka's KIP-534); a run after the horizon removes them.
 *       So a consumer reading the partition has {@code delete.retention.ms} to see them. An aborted
 *       transaction leaves the aborted-transaction index in the run that gives its marker a horizon
 *       ({@link CleanedTransactions}).
 *   <li>An emptied batch stays as a header where the producer state needs it: every batch of a
 *       non-transactional producer with a producer id (its sequence numbers), and, as in Kafka, a
 *       producer's last transactional batch, or its last marker when it has no batch at its epoch.
 *       Other emptied batches go.
 * </ul>
 *
 * <p>The active segment is never rewritten, nor are segments whose newest record is younger than
 * {@code min.compaction.lag.ms}. A log is read again only when it grew, rolled or moved its last
 * stable offset, when the last run changed it (a marker may have become removable), or when a
 * delete horizon or the lag passes. The key map is rebuilt on each run that has work (fine for the
 * sizes of a teaching broker; Kafka bounds it with an offset map of fixed memory).
 */
final class LogCleaner {

  private static final Logger log = LoggerFactory.getLogger(LogCleaner.class);

  /**
   * Per log, where its last clean left it: the log end offset, active segment and last stable
   * offset then, and the earliest time a run could find work in the same log (a segment held back
   * by {@code min.compaction.lag.ms} becomes eligible, a delete horizon passes; at once after a run
   * that changed the log). Until the log changes or that time comes, a run reads nothing.
   */
  private final Map<PartitionLog, CleanState> lastClean = new ConcurrentHashMap<>();

  private record CleanState(
      long logEndOffset, long activeBaseOffset, long lastStableOffset, long nextWorkAtMs) {}

  /**
   * Compacts {@code partitionLog} if it may have work. Returns the records removed, markers
   * included.
   */
  int clean(PartitionLog partitionLog, long nowMs) throws IOException {
    List<LogSegment> inactive = partitionLog.inactiveSegments();
    if (inactive.isEmpty()) {
      return 0;
    }
    long end = partitionLog.logEndOffset();
    long activeBase = partitionLog.activeSegment().baseOffset();
    long stableEnd = partitionLog.lastStableOffset();
    CleanState last = lastClean.get(partitionLog);
    if (last != null
        && last.logEndOffset() == end
        && last.activeBaseOffset() == activeBase
        && last.lastStableOffset() == stableEnd
        && nowMs < last.nextWorkAtMs()) {
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
    if (eligible == 0) {
      lastClean.put(partitionLog, new CleanState(end, activeBase, stableEnd, heldBackUntilMs));
      return 0;
    }
    Map<ByteBuffer, Long> newestOffsetOfKey = new HashMap<>();
    AbortedTransactions.ByProducer aborted = partitionLog.abortedByProducer(); // after stableEnd
    for (LogSegment segment : inactive) {
      indexKeys(segment, stableEnd, aborted, newestOffsetOfKey);
    }
    indexKeys(partitionLog.activeSegment(), stableEnd, aborted, newestOffsetOfKey);

    Run run =
        new Run(
            newestOffsetOfKey,
            new CleanedTransactions(aborted, stableEnd),
            partitionLog.producerLastEntries(),
            stableEnd,
            nowMs,
            cfg.deleteRetentionMs());
    int removed = 0;
    boolean changed = false;
    for (LogSegment segment : inactive.subList(0, eligible)) {
      int before = run.removed;
      changed |= run.rewrite(partitionLog, segment);
      removed += run.removed - before;
    }
    // Recorded only once every rewrite succeeded: a failed run is tried again on the next one.
    long nextWorkAtMs = changed ? nowMs : Math.min(heldBackUntilMs, run.earliestHorizonMs);
    lastClean.put(partitionLog, new CleanState(end, activeBase, stableEnd, nextWorkAtMs));
    if (removed > 0) {
      log.info("{}: compaction removed {} record(s)", partitionLog.topicPartition(), removed);
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

  /**
   * One run over a log's eligible segments, oldest first: the record filter for each segment, and
   * what the run learns on the way (transactions, the earliest pending delete horizon, the count of
   * removed records).
   */
  private static final class Run extends RecordFilter {
    private final Map<ByteBuffer, Long> newestOffsetOfKey;
    private final CleanedTransactions transactions;
    private final Map<Long, ProducerStateManager.LastEntry> lastEntries;
    private final long stableEnd;
    private long earliestHorizonMs = Long.MAX_VALUE;
    private int removed;
    private boolean discardRecords; // of the batch being filtered

    Run(
        Map<ByteBuffer, Long> newestOffsetOfKey,
        CleanedTransactions transactions,
        Map<Long, ProducerStateManager.LastEntry> lastEntries,
        long stableEnd,
        long nowMs,
        long deleteRetentionMs) {
      // RecordFilter stamps the delete horizon, nowMs + deleteRetentionMs, on every batch it keeps
      // with a tombstone or a removable marker (containsMarkerForEmptyTxn) and no horizon yet.
      super(nowMs, deleteRetentionMs);
      this.newestOffsetOfKey = newestOffsetOfKey;
      this.transactions = transactions;
      this.lastEntries = lastEntries;
      this.stableEnd = stableEnd;
    }

    @Override
    protected BatchRetentionResult checkBatchRetention(RecordBatch batch) {
      OptionalLong horizon = batch.deleteHorizonMs();
      if (horizon.isPresent() && horizon.getAsLong() > currentTime) {
        earliestHorizonMs = Math.min(earliestHorizonMs, horizon.getAsLong());
      }
      if (batch.isControlBatch()) {
        boolean removable = transactions.onControlBatch(batch);
        discardRecords = removable && horizon.isPresent() && horizon.getAsLong() <= currentTime;
        return new BatchRetentionResult(
            lastOfProducer(batch) ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY,
            removable);
      }
      discardRecords = transactions.onDataBatch(batch);
      boolean keepHeader =
          batch.hasProducerId() && (!batch.isTransactional() || lastOfProducer(batch));
      return new BatchRetentionResult(
          keepHeader ? BatchRetention.RETAIN_EMPTY : BatchRetention.DELETE_EMPTY, false);
    }

    /**
     * Whether a replay of the log needs this batch for its producer's state: the producer's last
     * batch with a sequence, or, when it has none at its epoch, its marker of that epoch (Kafka's
     * rule: the epoch fences older producers).
     */
    private boolean lastOfProducer(RecordBatch batch) {
      ProducerStateManager.LastEntry last = lastEntries.get(batch.producerId());
      if (last == null) {
        return false;
      }
      return last.lastDataOffset() >= 0
          ? batch.lastOffset() == last.lastDataOffset()
          : batch.isControlBatch() && batch.producerEpoch() == last.epoch();
    }

    @Override
    protected boolean shouldRetainRecord(RecordBatch batch, Record record) {
      if (discardRecords) {
        return false;
      }
      if (batch.isControlBatch() || record.offset() >= stableEnd) {
        return true;
      }
      if (!record.hasKey()) {
        return false;
      }
      Long newest = newestOffsetOfKey.get(record.key());
      if (newest != null && newest > record.offset()) {
        return false;
      }
      OptionalLong horizon = batch.deleteHorizonMs();
      return record.hasValue() || horizon.isEmpty() || currentTime < horizon.getAsLong();
    }

    /** Filters one segment and swaps the result in if it differs. Returns whether it did. */
    boolean rewrite(PartitionLog partitionLog, LogSegment segment) throws IOException {
      ByteBuffer original = ByteBuffer.allocate(segment.sizeInBytes());
      segment.fileRecords().readInto(original, 0); // reads and flips
      ByteBuffer output = ByteBuffer.allocate(Math.max(1024, segment.sizeInBytes()));
      MemoryRecords.FilterResult result =
          MemoryRecords.readableRecords(original.duplicate())
              .filterTo(this, output, BufferSupplier.NO_CACHING);
      // Before the swap: a marker this run removes must not outlive its index entry, even briefly.
      partitionLog.forgetAbortedTransactions(transactions.takeRemovableMarkers());
      ByteBuffer cleaned = result.outputBuffer();
      cleaned.flip();
      if (cleaned.equals(original)) {
        return false;
      }
      removed += result.messagesRead() - result.messagesRetained();
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
      return true;
    }
  }
}
