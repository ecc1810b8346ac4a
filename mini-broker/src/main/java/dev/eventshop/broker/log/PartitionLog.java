package dev.eventshop.broker.log;

import dev.eventshop.broker.producer.ProducerStateManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.FileLogInputStream.FileChannelRecordBatch;
import org.apache.kafka.common.record.FileRecords.TimestampAndOffset;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The append-only log of one partition replica: its segments in {@code <log.dirs>/<topic>-<n>/},
 * the producer state that makes appends idempotent and tracks open transactions, the aborted
 * transactions, and the leader-epoch history.
 *
 * <p>Invariants: {@code logStartOffset <= lastStableOffset <= highWatermark <= logEndOffset};
 * segments do not overlap and the last one is the active segment that receives appends; each stored
 * batch is exactly as the producer sent it except for its base offset and partition leader epoch.
 *
 * <p>Thread-safety: appends, truncation, retention and roll are serialized on this object; reads
 * run without the lock against the segment map and see every append completed before they began.
 */
public final class PartitionLog implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(PartitionLog.class);

  /** Where an append landed. A duplicate retry reports the offsets of the original. */
  public record AppendResult(
      long baseOffset, long lastOffset, long logAppendTimeMs, boolean duplicate) {}

  /** What a read found: record data (null when nothing is readable yet) and the log's bounds. */
  public record ReadResult(
      FileSlice records, long highWatermark, long logStartOffset, long logEndOffset) {}

  private final TopicPartition topicPartition;
  private final Path dir;
  private final ConcurrentSkipListMap<Long, LogSegment> segments = new ConcurrentSkipListMap<>();
  private final ProducerStateManager producerState;
  private final LeaderEpochCache leaderEpochs;
  private final AbortedTransactions abortedTxns;
  private final Consumer<Runnable> closeLater;
  private volatile LogConfig config;
  private volatile long logStartOffset;
  private volatile long logEndOffset;
  private volatile long highWatermark;
  private volatile long firstUnstableOffset = Long.MAX_VALUE; // of the oldest open transaction
  private long unflushedMessages;
  private long lastFlushMs = System.currentTimeMillis();

  private PartitionLog(
      TopicPartition topicPartition, Path dir, LogConfig config, Consumer<Runnable> closeLater)
      throws IOException {
    this.topicPartition = topicPartition;
    this.dir = dir;
    this.config = config;
    this.closeLater = closeLater;
    this.producerState = new ProducerStateManager(dir);
    this.leaderEpochs = new LeaderEpochCache(dir);
    this.abortedTxns = new AbortedTransactions(dir);
  }

  /** The directory of a partition: {@code <topic>-<partition>}. */
  public static Path directoryOf(Path logDir, TopicPartition tp) {
    return logDir.resolve(tp.topic() + "-" + tp.partition());
  }

  /**
   * Opens (or creates) a partition's log. After an unclean shutdown the active segment is
   * re-validated batch by batch and a torn tail is cut off; rolled segments were flushed when they
   * rolled.
   *
   * @param closeLater runs a file-closing task once in-flight fetches can no longer need it
   */
  public static PartitionLog open(
      Path dir,
      TopicPartition tp,
      Uuid topicId,
      LogConfig config,
      boolean cleanShutdown,
      Consumer<Runnable> closeLater)
      throws IOException {
    Files.createDirectories(dir);
    writePartitionMetadata(dir, topicId);
    PartitionLog partitionLog = new PartitionLog(tp, dir, config, closeLater);
    partitionLog.load(cleanShutdown);
    return partitionLog;
  }

  private void load(boolean cleanShutdown) throws IOException {
    List<Long> bases = new ArrayList<>();
    try (Stream<Path> files = Files.list(dir)) {
      for (Path file : (Iterable<Path>) files::iterator) {
        String name = file.getFileName().toString();
        if (name.endsWith(".tmp") || name.endsWith(".cleaned") || name.endsWith(".deleted")) {
          Files.deleteIfExists(file);
        } else if (name.matches("\\d{20}\\.log")) {
          bases.add(Long.parseLong(name.substring(0, 20)));
        }
      }
    }
    bases.sort(null);
    for (int i = 0; i < bases.size(); i++) {
      long base = bases.get(i);
      boolean active = i == bases.size() - 1;
      boolean indexMissing =
          !Files.exists(dir.resolve(LogSegment.fileName(base, ".index")))
              || !Files.exists(dir.resolve(LogSegment.fileName(base, ".timeindex")));
      LogSegment segment = LogSegment.open(dir, base, config);
      if ((active && !cleanShutdown) || indexMissing) {
        LogSegment.RecoveryResult result = segment.recover();
        if (result.truncatedBytes() > 0) {
          log.warn(
              "{}: recovery truncated {} bytes of {} ({}); the log now ends at offset {}",
              topicPartition,
              result.truncatedBytes(),
              segment,
              result.problem(),
              result.nextOffset());
        }
      }
      segments.put(base, segment);
    }
    if (segments.isEmpty()) {
      segments.put(0L, LogSegment.create(dir, 0, config));
    }
    // Never below the first segment: a crash may come between deleting segments and the checkpoint.
    logStartOffset = Math.max(readLogStartOffset().orElse(0L), segments.firstKey());
    logEndOffset = segments.lastEntry().getValue().readNextOffset();
    if (logStartOffset > logEndOffset) {
      logStartOffset = segments.firstKey();
    }
    if (deleteSegmentsBelowLogStart() > 0) {
      leaderEpochs.truncateFromStart(logStartOffset);
      log.info("{}: deleted segments left below the log start {}", topicPartition, logStartOffset);
    }
    leaderEpochs.truncateFromEnd(logEndOffset);
    highWatermark = Math.max(logStartOffset, readHighWatermark().orElse(logStartOffset));
    highWatermark = Math.min(highWatermark, logEndOffset);
    abortedTxns.load(segments.keySet());
    abortedTxns.truncateFrom(logEndOffset, this::segmentBaseOf);
    rebuildProducerState();
  }

  private void rebuildProducerState() throws IOException {
    long from = producerState.loadSnapshot(logEndOffset);
    rememberBatchesBefore(from);
    for (LogSegment segment :
        segments.tailMap(segments.floorKey(Math.max(from, segments.firstKey()))).values()) {
      for (FileChannelRecordBatch batch : segment.batchesFrom(from)) {
        if (batch.baseOffset() >= from) {
          onAppended(producerState.update(batch), segment.baseOffset());
        }
      }
    }
    updateFirstUnstableOffset();
  }

  /** Indexes a transaction a marker aborted; re-adding one already indexed changes nothing. */
  private void onAppended(ProducerStateManager.CompletedTxn completed, long segmentBase)
      throws IOException {
    if (completed == null || !completed.aborted()) {
      return;
    }
    long lastStable = producerState.firstUnstableOffset().orElse(completed.lastOffset() + 1);
    abortedTxns.add(
        new AbortedTransactions.Entry(
            completed.producerId(),
            completed.firstOffset(),
            completed.lastOffset(),
            Math.min(lastStable, completed.lastOffset() + 1)),
        segmentBase);
  }

  private void updateFirstUnstableOffset() {
    firstUnstableOffset = producerState.firstUnstableOffset().orElse(Long.MAX_VALUE);
  }

  private long segmentBaseOf(long offset) {
    Long base = segments.floorKey(offset);
    return base == null ? segments.firstKey() : base;
  }

  /**
   * A snapshot keeps one batch per producer. The batches just before it (its segment and the one
   * before) are read back as well, newest first, so that a producer retrying any of its last
   * in-flight batches after a restart is answered with the original offsets instead of an
   * out-of-order error, which would make the client bump its epoch and write them again.
   */
  private void rememberBatchesBefore(long snapshotOffset) throws IOException {
    Long base = segments.floorKey(snapshotOffset);
    if (base == null || snapshotOffset == 0) {
      return;
    }
    Long previous = segments.lowerKey(base);
    ArrayDeque<FileChannelRecordBatch> earlier = new ArrayDeque<>();
    for (LogSegment segment :
        segments.subMap(previous != null ? previous : base, true, base, true).values()) {
      for (FileChannelRecordBatch batch : segment.batchesFrom(segment.baseOffset())) {
        if (batch.baseOffset() >= snapshotOffset) {
          break;
        }
        if (batch.hasProducerId()) {
          earlier.addLast(batch);
          if (earlier.size() > 1_000) {
            earlier.removeFirst();
          }
        }
      }
    }
    for (Iterator<FileChannelRecordBatch> it = earlier.descendingIterator(); it.hasNext(); ) {
      producerState.rememberEarlier(it.next());
    }
  }

  public TopicPartition topicPartition() {
    return topicPartition;
  }

  public Path dir() {
    return dir;
  }

  public LogConfig config() {
    return config;
  }

  public void updateConfig(LogConfig config) {
    this.config = config;
  }

  public long logStartOffset() {
    return logStartOffset;
  }

  public long logEndOffset() {
    return logEndOffset;
  }

  public long highWatermark() {
    return highWatermark;
  }

  /**
   * The end of what read_committed consumers may read: the high watermark, or the first offset of
   * the oldest open transaction if that is lower.
   */
  public long lastStableOffset() {
    // DeleteRecords and retention may move the log start past an open transaction's first offset
    // (they are bounded by the high watermark only); as in Kafka, it then counts from the start.
    return Math.min(highWatermark, Math.max(firstUnstableOffset, logStartOffset));
  }

  /**
   * The aborted transactions a read_committed fetch from {@code fetchOffset} up to {@code
   * upperBound} must be told of, as (producer id, first offset) pairs.
   */
  public List<long[]> abortedTransactions(long fetchOffset, long upperBound) {
    return abortedTxns.overlapping(fetchOffset, upperBound).stream()
        .map(e -> new long[] {e.producerId(), e.firstOffset()})
        .toList();
  }

  /**
   * Which records belong to aborted transactions, as of now: complete below the last stable offset
   * read before it, since a transaction's marker precedes any offset the last stable offset passes.
   */
  AbortedTransactions.ByProducer abortedByProducer() {
    return abortedTxns.byProducer();
  }

  /**
   * Forgets the aborted transactions whose markers are at {@code markerOffsets}: the cleaner found
   * none of their records left, so read_committed fetches need not be told of them.
   */
  synchronized void forgetAbortedTransactions(List<Long> markerOffsets) throws IOException {
    if (!markerOffsets.isEmpty()) {
      abortedTxns.remove(markerOffsets, this::segmentBaseOf);
    }
  }

  /** Where each known producer's state was last written; see {@link ProducerStateManager}. */
  synchronized Map<Long, ProducerStateManager.LastEntry> producerLastEntries() {
    return producerState.lastEntries();
  }

  /** Moves the high watermark; it never passes the log end offset nor goes backwards. */
  public synchronized boolean updateHighWatermark(long offset) {
    long bounded = Math.min(offset, logEndOffset);
    if (bounded > highWatermark) {
      highWatermark = bounded;
      return true;
    }
    return false;
  }

  public LeaderEpochCache leaderEpochs() {
    return leaderEpochs;
  }

  public long sizeInBytes() {
    return segments.values().stream().mapToLong(LogSegment::sizeInBytes).sum();
  }

  /** Forgets producers idle for {@code expirationMs}; see {@link ProducerStateManager}. */
  public synchronized int removeExpiredProducers(long nowMs, long expirationMs) {
    return producerState.removeExpired(nowMs, expirationMs);
  }

  /** See {@link ProducerStateManager#needsAddToTransaction}. */
  public synchronized boolean needsAddToTransaction(
      long producerId, short epoch, int baseSequence) {
    return producerState.needsAddToTransaction(producerId, epoch, baseSequence);
  }

  /** The idempotent producers that wrote to this partition, for DescribeProducers. */
  public synchronized List<ProducerStateManager.ProducerSummary> producers() {
    return producerState.producers();
  }

  public int segmentCount() {
    return segments.size();
  }

  /**
   * Validates and appends batches from a producer or a coordinator, assigning offsets. A client's
   * batch that repeats one of the producer's last batches ({@link
   * ProducerStateManager#BATCHES_REMEMBERED}) is not written again; its original offsets are
   * returned. Either every batch is appended or none.
   *
   * @throws CorruptRecordException when a batch's CRC or framing is wrong
   * @throws RecordTooLargeException when a batch exceeds {@code max.message.bytes}
   * @throws InvalidRecordException for other invalid batches (old format, no key on a compacted
   *     topic, inconsistent counts, a client's batch with a producer id but no sequence)
   */
  public synchronized AppendResult appendAsLeader(
      MemoryRecords records, int leaderEpoch, AppendOrigin origin, long nowMs) throws IOException {
    LogConfig cfg = config;
    List<MutableRecordBatch> batches = LeaderBatches.validate(records, cfg, origin, nowMs);
    if (batches.isEmpty()) {
      throw new InvalidRecordException(
          "a produce request for " + topicPartition + " holds no record batch");
    }
    if (records.validBytes() != records.sizeInBytes()) {
      throw new CorruptRecordException(
          "%s: %d trailing bytes do not form a batch"
              .formatted(topicPartition, records.sizeInBytes() - records.validBytes()));
    }
    // Clients send one batch per partition; the idempotence check applies to that batch.
    if (batches.size() == 1 && batches.get(0).hasProducerId()) {
      if (producerState.check(batches.get(0), origin)
          instanceof ProducerStateManager.Check.Duplicate dup) {
        return new AppendResult(
            dup.original().firstOffset(), dup.original().lastOffset(), -1, true);
      }
    } else {
      for (MutableRecordBatch batch : batches) {
        if (batch.hasProducerId()) {
          producerState.check(batch, origin);
        }
      }
    }
    MemoryRecords stored = LeaderBatches.withTopicCompression(records, batches, cfg);
    if (stored != records) {
      batches = new ArrayList<>();
      stored.batches().forEach(batches::add);
    }
    long next = logEndOffset;
    long first = next;
    long appendTime = cfg.logAppendTime() ? nowMs : -1;
    for (MutableRecordBatch batch : batches) {
      batch.setLastOffset(next + (batch.lastOffset() - batch.baseOffset()));
      batch.setPartitionLeaderEpoch(leaderEpoch);
      if (cfg.logAppendTime()) {
        batch.setMaxTimestamp(TimestampType.LOG_APPEND_TIME, nowMs);
      }
      next = batch.nextOffset();
    }
    leaderEpochs.assign(leaderEpoch, first);
    write(stored, batches, next, nowMs);
    return new AppendResult(first, next - 1, appendTime, false);
  }

  /**
   * Appends the transaction coordinator's marker for {@code producerId} as leader: a control batch
   * that commits or aborts the producer's open transaction on this partition.
   *
   * @throws org.apache.kafka.common.errors.InvalidProducerEpochException for an older epoch
   * @throws org.apache.kafka.common.errors.TransactionCoordinatorFencedException for an older
   *     coordinator
   */
  public synchronized AppendResult appendMarker(
      long producerId,
      short producerEpoch,
      int coordinatorEpoch,
      boolean commit,
      int leaderEpoch,
      long nowMs)
      throws IOException {
    producerState.checkMarker(producerId, producerEpoch, coordinatorEpoch);
    long offset = logEndOffset;
    MemoryRecords marker =
        MemoryRecords.withEndTransactionMarker(
            offset,
            nowMs,
            leaderEpoch,
            producerId,
            producerEpoch,
            new EndTransactionMarker(
                commit ? ControlRecordType.COMMIT : ControlRecordType.ABORT, coordinatorEpoch));
    List<MutableRecordBatch> batches = new ArrayList<>();
    marker.batches().forEach(batches::add);
    leaderEpochs.assign(leaderEpoch, offset);
    write(marker, batches, offset + 1, nowMs);
    return new AppendResult(offset, offset, -1, false);
  }

  /** Appends batches replicated from the leader, keeping their offsets and epochs. */
  public synchronized void appendAsFollower(MemoryRecords records, long nowMs) throws IOException {
    List<MutableRecordBatch> batches = new ArrayList<>();
    long expected = logEndOffset;
    for (MutableRecordBatch batch : records.batches()) {
      batch.ensureValid();
      if (batch.baseOffset() < expected) {
        throw new InvalidRecordException(
            "%s: replicated batch at offset %d overlaps the log end %d"
                .formatted(topicPartition, batch.baseOffset(), expected));
      }
      leaderEpochs.assign(batch.partitionLeaderEpoch(), batch.baseOffset());
      expected = batch.nextOffset();
      batches.add(batch);
    }
    if (!batches.isEmpty()) {
      write(records, batches, expected, nowMs);
    }
  }

  private void write(MemoryRecords records, List<MutableRecordBatch> batches, long next, long nowMs)
      throws IOException {
    maybeRoll(records.sizeInBytes(), nowMs);
    LogSegment active = segments.lastEntry().getValue();
    active.append(records, nowMs);
    for (MutableRecordBatch batch : batches) {
      onAppended(producerState.update(batch), active.baseOffset());
      Integer count = batch.countOrNull();
      unflushedMessages += count == null ? 1 : count;
    }
    updateFirstUnstableOffset();
    logEndOffset = next;
    if (unflushedMessages >= config.flushMessages()) {
      flush();
    }
  }

  private void maybeRoll(int incomingBytes, long nowMs) throws IOException {
    LogSegment active = segments.lastEntry().getValue();
    LogConfig cfg = config;
    boolean full =
        active.sizeInBytes() > 0
            && (long) active.sizeInBytes() + incomingBytes > cfg.segmentBytes();
    boolean old =
        active.sizeInBytes() > 0
            && active.firstAppendMs() >= 0
            && nowMs - active.firstAppendMs() >= cfg.segmentMs();
    if (full || old || active.indexFull()) {
      roll();
    }
  }

  /** Starts a new active segment at the log end; the old one is flushed. */
  public synchronized LogSegment roll() throws IOException {
    LogSegment active = segments.lastEntry().getValue();
    if (active.baseOffset() == logEndOffset) {
      return active;
    }
    active.onBecomeInactive();
    abortedTxns.flush(); // before the snapshot that replay would start from
    LogSegment next = LogSegment.create(dir, logEndOffset, config);
    segments.put(logEndOffset, next);
    producerState.takeSnapshot(logEndOffset);
    log.debug("{}: rolled to segment {}", topicPartition, next);
    return next;
  }

  /**
   * Record data from {@code offset}: whole batches up to {@code maxBytes} (at least one batch when
   * {@code minOneBatch}) and below {@code maxOffset}, usually the high watermark.
   *
   * @throws OffsetOutOfRangeException when {@code offset} is below the log start or past the end
   */
  public ReadResult read(long offset, int maxBytes, long maxOffset, boolean minOneBatch) {
    long start = logStartOffset;
    long end = logEndOffset;
    long hw = highWatermark;
    if (offset < start || offset > end) {
      throw new OffsetOutOfRangeException(
          "offset %d of %s is outside %d..%d".formatted(offset, topicPartition, start, end));
    }
    FileSlice slice = null;
    if (offset < Math.min(maxOffset, end)) {
      Map.Entry<Long, LogSegment> entry = segments.floorEntry(offset);
      while (entry != null && slice == null) {
        slice = entry.getValue().read(offset, maxBytes, maxOffset, minOneBatch);
        entry = segments.higherEntry(entry.getKey());
      }
    }
    return new ReadResult(slice, hw, start, end);
  }

  /**
   * Record batches from {@code offset} copied onto the heap, for the broker's own readers (the
   * group coordinator replaying {@code __consumer_offsets}); clients get {@link #read} instead.
   */
  public MemoryRecords readRecords(long offset, int maxBytes, long maxOffset) throws IOException {
    FileSlice slice = read(offset, maxBytes, maxOffset, true).records();
    if (slice == null) {
      return MemoryRecords.EMPTY;
    }
    java.nio.ByteBuffer buffer = java.nio.ByteBuffer.allocate(slice.sizeInBytes());
    long position = slice.position();
    while (buffer.hasRemaining()) {
      int n = slice.channel().read(buffer, position);
      if (n < 0) {
        break;
      }
      position += n;
    }
    buffer.flip();
    return MemoryRecords.readableRecords(buffer);
  }

  /**
   * ListOffsets by timestamp: the first offset whose record has a timestamp at or after {@code
   * timestamp}, with that timestamp; empty when every record is older.
   */
  public Optional<TimestampAndOffset> offsetForTimestamp(long timestamp) {
    for (LogSegment segment : segments.values()) {
      if (segment.maxTimestamp() >= timestamp || segment == segments.lastEntry().getValue()) {
        TimestampAndOffset found = segment.findOffsetByTimestamp(timestamp, logStartOffset);
        if (found != null) {
          return Optional.of(found);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * ListOffsets MAX_TIMESTAMP: the record with the largest timestamp and its own offset (not the
   * last offset of its batch), as Apache Kafka answers.
   */
  public Optional<TimestampAndOffset> maxTimestamp() {
    LogSegment best = null;
    for (LogSegment segment : segments.values()) {
      if (segment.maxTimestamp() >= 0
          && (best == null || segment.maxTimestamp() > best.maxTimestamp())) {
        best = segment;
      }
    }
    if (best == null) {
      return Optional.empty();
    }
    long timestamp = best.maxTimestamp();
    for (FileChannelRecordBatch batch : best.batchesFrom(best.offsetOfMaxTimestamp())) {
      Optional<Integer> epoch = Optional.of(batch.partitionLeaderEpoch());
      if (batch.timestampType() == TimestampType.LOG_APPEND_TIME) {
        return Optional.of(new TimestampAndOffset(timestamp, batch.baseOffset(), epoch));
      }
      try (CloseableIterator<Record> records = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
        while (records.hasNext()) {
          Record record = records.next();
          if (record.timestamp() == timestamp) {
            return Optional.of(new TimestampAndOffset(timestamp, record.offset(), epoch));
          }
        }
      }
      break;
    }
    return Optional.of(
        new TimestampAndOffset(timestamp, best.offsetOfMaxTimestamp(), Optional.empty()));
  }

  /** Removes every record at or above {@code offset} (a follower diverged from its leader). */
  public synchronized void truncateTo(long offset) throws IOException {
    if (offset >= logEndOffset) {
      return;
    }
    long target = Math.max(offset, logStartOffset);
    for (Long base : new ArrayList<>(segments.tailMap(target, false).keySet())) {
      if (base > target || (base == target && segments.size() > 1 && base != segments.firstKey())) {
        Long nextBase = segments.higherKey(base);
        abortedTxns.deleteSegment(base, nextBase == null ? Long.MAX_VALUE : nextBase);
        segments.remove(base).delete(closeLater);
      }
    }
    if (segments.isEmpty()) {
      segments.put(target, LogSegment.create(dir, target, config));
    }
    segments.lastEntry().getValue().truncateTo(target);
    logEndOffset = target;
    highWatermark = Math.min(highWatermark, target);
    leaderEpochs.truncateFromEnd(target);
    abortedTxns.truncateFrom(target, this::segmentBaseOf);
    producerState.clear();
    rebuildProducerState();
    log.info("{}: truncated to offset {}", topicPartition, target);
  }

  /**
   * Empties the log and starts it again, empty, at {@code offset}. A follower whose log ends before
   * its leader's log start (retention deleted the records it missed) cannot catch up record by
   * record, so it starts over where the leader's log starts, as Kafka's followers do.
   */
  public synchronized void truncateFullyAndStartAt(long offset) throws IOException {
    abortedTxns.clear(segments.keySet());
    for (LogSegment segment : segments.values()) {
      segment.delete(closeLater);
    }
    segments.clear();
    segments.put(offset, LogSegment.create(dir, offset, config));
    logStartOffset = offset;
    logEndOffset = offset;
    highWatermark = offset;
    leaderEpochs.truncateFromEnd(Long.MIN_VALUE);
    producerState.clear();
    updateFirstUnstableOffset();
    producerState.takeSnapshot(offset); // an empty one, replacing the snapshots of the old log
    writeLogStartOffset();
    writeHighWatermark();
    log.info("{}: emptied; the log now starts at offset {}", topicPartition, offset);
  }

  /**
   * Deletes whole segments that retention no longer keeps: by time (newest record older than {@code
   * retention.ms}) and by size (oldest first while over {@code retention.bytes}). The active
   * segment is rolled first when it alone has expired, so old data does not linger.
   *
   * @return the number of segments deleted
   */
  public synchronized int applyRetention(long nowMs) throws IOException {
    LogConfig cfg = config;
    if (!cfg.delete()) {
      return 0;
    }
    long size = sizeInBytes();
    LogSegment active = segments.lastEntry().getValue();
    if (cfg.retentionMs() >= 0
        && active.sizeInBytes() > 0
        && nowMs - active.largestTimestamp() > cfg.retentionMs()
        && highWatermark == logEndOffset) {
      roll();
    }
    long newStart = logStartOffset;
    for (LogSegment segment : segments.values()) {
      if (segment == segments.lastEntry().getValue()) {
        break;
      }
      long nextBase = segments.higherKey(segment.baseOffset());
      if (nextBase > highWatermark) {
        break; // never delete what consumers have not been allowed to read
      }
      boolean expired =
          cfg.retentionMs() >= 0 && nowMs - segment.largestTimestamp() > cfg.retentionMs();
      boolean oversized =
          cfg.retentionBytes() >= 0 && size - segment.sizeInBytes() >= cfg.retentionBytes();
      if (!expired && !oversized) {
        break;
      }
      size -= segment.sizeInBytes();
      newStart = nextBase;
    }
    return advanceLogStartOffset(newStart, "retention");
  }

  /**
   * DeleteRecords on the leader: the log starts at {@code offset} from now on, so records below it
   * are gone for every reader, and the segments wholly below it are deleted at once. Only records
   * consumers may read can be deleted.
   *
   * @return the log start offset, which stays where it is when already past {@code offset}
   * @throws OffsetOutOfRangeException when {@code offset} is past the high watermark
   */
  public synchronized long deleteRecordsBefore(long offset) throws IOException {
    if (offset > highWatermark) {
      throw new OffsetOutOfRangeException(
          "cannot delete records of %s before offset %d: the high watermark is %d"
              .formatted(topicPartition, offset, highWatermark));
    }
    advanceLogStartOffset(offset, "records deleted by request");
    return logStartOffset;
  }

  /**
   * A follower takes its leader's log start offset (after DeleteRecords or retention there), up to
   * its own high watermark, so that it serves the same log if it becomes the leader.
   */
  public synchronized void followLogStartOffset(long leaderLogStartOffset) throws IOException {
    advanceLogStartOffset(Math.min(leaderLogStartOffset, highWatermark), "the leader's log start");
  }

  /**
   * Moves the log start forward to {@code offset} and deletes the segments wholly below it. The
   * checkpoint is written first: a crash in between leaves segments below the start, which the next
   * move deletes, never a start below the first segment.
   *
   * @return the number of segments deleted
   */
  private int advanceLogStartOffset(long offset, String why) throws IOException {
    if (offset <= logStartOffset) {
      return 0;
    }
    logStartOffset = offset;
    writeLogStartOffset();
    int deleted = deleteSegmentsBelowLogStart();
    leaderEpochs.truncateFromStart(offset);
    if (deleted > 0) {
      log.info(
          "{}: the log now starts at offset {} ({}); {} segment(s) deleted",
          topicPartition,
          offset,
          why,
          deleted);
    } else {
      log.debug("{}: the log now starts at offset {} ({})", topicPartition, offset, why);
    }
    return deleted;
  }

  /** Deletes the segments wholly below the log start offset, never the active one. */
  private int deleteSegmentsBelowLogStart() throws IOException {
    int deleted = 0;
    while (segments.size() > 1) {
      Map.Entry<Long, LogSegment> first = segments.firstEntry();
      if (segments.higherKey(first.getKey()) > logStartOffset) {
        break;
      }
      abortedTxns.deleteSegment(first.getKey(), segments.higherKey(first.getKey()));
      segments.remove(first.getKey());
      first.getValue().delete(closeLater);
      deleted++;
    }
    return deleted;
  }

  /** The segments compaction may rewrite: all but the active one. */
  List<LogSegment> inactiveSegments() {
    List<LogSegment> result = new ArrayList<>(segments.values());
    result.remove(result.size() - 1);
    return result;
  }

  LogSegment activeSegment() {
    return segments.lastEntry().getValue();
  }

  /** Swaps a compacted segment in place of the original (same base offset). */
  synchronized void replaceSegment(LogSegment original, Path cleanedLog) throws IOException {
    long base = original.baseOffset();
    if (segments.get(base) != original) {
      // Deleted meanwhile: retention or DeleteRecords moved the log start past it.
      Files.deleteIfExists(cleanedLog);
      return;
    }
    original.delete(closeLater);
    Files.move(
        cleanedLog,
        dir.resolve(LogSegment.fileName(base, ".log")),
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    LogSegment replacement = LogSegment.open(dir, base, config);
    replacement.recover();
    segments.put(base, replacement);
  }

  /** fsyncs everything appended so far. */
  public synchronized void flush() throws IOException {
    segments.lastEntry().getValue().flush();
    abortedTxns.flush();
    unflushedMessages = 0;
    lastFlushMs = System.currentTimeMillis();
  }

  /** Flushes if {@code flush.ms} has passed since the last flush. */
  public synchronized void maybeFlush(long nowMs) throws IOException {
    if (unflushedMessages > 0 && nowMs - lastFlushMs >= config.flushMs()) {
      flush();
    }
  }

  @Override
  public synchronized void close() {
    try {
      flush();
      producerState.takeSnapshot(logEndOffset);
      writeHighWatermark();
      for (LogSegment segment : segments.values()) {
        segment.close();
      }
    } catch (IOException e) {
      throw new UncheckedIOException("cannot close the log of " + topicPartition, e);
    }
  }

  /** Deletes the partition's directory and everything in it. */
  public synchronized void delete() throws IOException {
    abortedTxns.clear(segments.keySet());
    for (LogSegment segment : segments.values()) {
      segment.delete(closeLater);
    }
    segments.clear();
    try (Stream<Path> files = Files.walk(dir)) {
      for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(p);
      }
    }
  }

  // Small per-partition checkpoint files. Kafka keeps these per log directory; one file per
  // partition is simpler and equally durable.

  private static void writePartitionMetadata(Path dir, Uuid topicId) throws IOException {
    Path file = dir.resolve("partition.metadata");
    if (!Files.exists(file)) {
      Files.writeString(file, "version: 0\ntopic_id: " + topicId + "\n", StandardCharsets.UTF_8);
    }
  }

  /** The topic id recorded in a partition directory, if any. */
  public static Optional<Uuid> readTopicId(Path dir) throws IOException {
    Path file = dir.resolve("partition.metadata");
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.startsWith("topic_id:")) {
        return Optional.of(Uuid.fromString(line.substring("topic_id:".length()).trim()));
      }
    }
    return Optional.empty();
  }

  private void writeLogStartOffset() throws IOException {
    writeCheckpoint("log-start-offset", logStartOffset);
  }

  private Optional<Long> readLogStartOffset() throws IOException {
    return readCheckpoint("log-start-offset");
  }

  private void writeHighWatermark() throws IOException {
    writeCheckpoint("high-watermark", highWatermark);
  }

  private Optional<Long> readHighWatermark() throws IOException {
    return readCheckpoint("high-watermark");
  }

  private void writeCheckpoint(String name, long value) throws IOException {
    Path tmp = dir.resolve(name + ".tmp");
    Files.writeString(tmp, value + "\n", StandardCharsets.UTF_8);
    Files.move(
        tmp,
        dir.resolve(name),
        java.nio.file.StandardCopyOption.REPLACE_EXISTING,
        java.nio.file.StandardCopyOption.ATOMIC_MOVE);
  }

  private Optional<Long> readCheckpoint(String name) throws IOException {
    Path file = dir.resolve(name);
    if (!Files.exists(file)) {
      return Optional.empty();
    }
    try {
      return Optional.of(Long.parseLong(Files.readString(file, StandardCharsets.UTF_8).trim()));
    } catch (NumberFormatException e) {
      return Optional.empty();
    }
  }

  @Override
  public String toString() {
    return "PartitionLog("
        + topicPartition
        + ", "
        + logStartOffset
        + ".."
        + logEndOffset
        + ", hw "
        + highWatermark
        + ")";
  }
}
