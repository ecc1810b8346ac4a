package dev.eventshop.broker.log;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;

import dev.eventshop.broker.producer.BatchWithoutSequence;
import dev.eventshop.broker.producer.ProducerStateManager;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.CorruptRecordException;
import org.apache.kafka.common.errors.InvalidProducerEpochException;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.OffsetOutOfRangeException;
import org.apache.kafka.common.errors.OutOfOrderSequenceException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.errors.TransactionCoordinatorFencedException;
import org.apache.kafka.common.record.CompressionType;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.EndTransactionMarker;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Crc32C;
import org.apache.kafka.storage.internals.log.AbortedTxn;
import org.apache.kafka.storage.internals.log.TransactionIndex;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PartitionLogTest {

  static final TopicPartition TP = new TopicPartition("t", 0);
  static final Uuid TOPIC_ID = Uuid.randomUuid();

  @TempDir Path dir;
  PartitionLog log;
  long now = 1_700_000_000_000L;

  @AfterEach
  void close() {
    if (log != null) {
      log.close();
    }
  }

  PartitionLog open(Map<String, String> overrides, boolean cleanShutdown) throws IOException {
    return PartitionLog.open(
        dir.resolve("t-0"),
        TP,
        TOPIC_ID,
        LogConfig.of(Map.of(), overrides),
        cleanShutdown,
        Runnable::run);
  }

  static MemoryRecords records(String... values) {
    SimpleRecord[] records = new SimpleRecord[values.length];
    for (int i = 0; i < values.length; i++) {
      records[i] =
          new SimpleRecord(
              1000L + i,
              ("k" + values[i]).getBytes(StandardCharsets.UTF_8),
              values[i].getBytes(StandardCharsets.UTF_8));
    }
    return MemoryRecords.withRecords(Compression.NONE, records);
  }

  static MemoryRecords keyed(long timestamp, String key, String value) {
    return MemoryRecords.withRecords(
        Compression.NONE,
        new SimpleRecord(
            timestamp,
            key.getBytes(StandardCharsets.UTF_8),
            value == null ? null : value.getBytes(StandardCharsets.UTF_8)));
  }

  static List<String> values(MemoryRecords records) {
    List<String> values = new ArrayList<>();
    for (Record r : records.records()) {
      values.add(r.hasValue() ? StandardCharsets.UTF_8.decode(r.value()).toString() : null);
    }
    return values;
  }

  List<String> readAll() throws IOException {
    List<String> all = new ArrayList<>();
    long offset = log.logStartOffset();
    while (offset < log.logEndOffset()) {
      MemoryRecords read = log.readRecords(offset, 1 << 20, Long.MAX_VALUE);
      for (RecordBatch batch : read.batches()) {
        offset = batch.nextOffset();
      }
      all.addAll(values(read));
    }
    return all;
  }

  @Test
  void assignsConsecutiveOffsetsAcrossBatches() throws IOException {
    log = open(Map.of(), true);

    assertThat(log.appendAsLeader(records("a", "b", "c"), 0, AppendOrigin.CLIENT, now).baseOffset())
        .isZero();
    PartitionLog.AppendResult second =
        log.appendAsLeader(records("d", "e"), 0, AppendOrigin.CLIENT, now);

    assertThat(second.baseOffset()).isEqualTo(3);
    assertThat(second.lastOffset()).isEqualTo(4);
    assertThat(log.logEndOffset()).isEqualTo(5);
    assertThat(readAll()).containsExactly("a", "b", "c", "d", "e");
  }

  @Test
  void readStartsAtTheBatchContainingTheOffsetAndStopsAtMaxOffset() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("a", "b", "c"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(records("d"), 0, AppendOrigin.CLIENT, now);

    MemoryRecords fromMiddle = log.readRecords(1, 1 << 20, Long.MAX_VALUE);
    assertThat(fromMiddle.batches().iterator().next().baseOffset()).isZero();

    MemoryRecords belowHw = log.readRecords(0, 1 << 20, 3);
    assertThat(values(belowHw)).containsExactly("a", "b", "c");
  }

  @Test
  void returnsOneWholeBatchEvenWhenLargerThanMaxBytes() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("x".repeat(5000)), 0, AppendOrigin.CLIENT, now);

    PartitionLog.ReadResult read = log.read(0, 100, Long.MAX_VALUE, true);

    assertThat(read.records().sizeInBytes()).isGreaterThan(5000);
    assertThat(log.read(0, 100, Long.MAX_VALUE, false).records()).isNull();
  }

  @Test
  void aReadSaysWhereItsRecordsEndForTheAbortedTransactionsAFetchLists() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("a", "b"), 0, AppendOrigin.CLIENT, now); // offsets 0-1
    log.appendAsLeader(records("c"), 0, AppendOrigin.CLIENT, now); // 2
    log.appendAsLeader(records("d"), 0, AppendOrigin.CLIENT, now); // 3
    int firstBatch = log.read(0, Integer.MAX_VALUE, 2, true).records().sizeInBytes();
    int twoBatches = log.read(0, Integer.MAX_VALUE, 3, true).records().sizeInBytes();

    // Limited by bytes: the records end before the next batch's base offset.
    assertThat(log.read(0, firstBatch, Long.MAX_VALUE, true).records().endOffsetBound())
        .isEqualTo(2);
    assertThat(log.read(0, twoBatches + 1, Long.MAX_VALUE, true).records().endOffsetBound())
        .isEqualTo(3);
    // Limited by the upper offset (high watermark or last stable offset).
    assertThat(log.read(0, Integer.MAX_VALUE, 2, true).records().endOffsetBound()).isEqualTo(2);
    // The segment ends first: the bound is the read's.
    assertThat(log.read(0, Integer.MAX_VALUE, 100, true).records().endOffsetBound()).isEqualTo(100);
  }

  @Test
  void offsetsOutsideTheLogAreOutOfRange() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("a"), 0, AppendOrigin.CLIENT, now);

    assertThatThrownBy(() -> log.read(2, 100, Long.MAX_VALUE, true))
        .isInstanceOf(OffsetOutOfRangeException.class);
    assertThat(log.read(1, 100, Long.MAX_VALUE, true).records()).isNull();
  }

  @Test
  void rollsSegmentsBySizeNamedByBaseOffsetAndFindsOffsetsInAnyOfThem() throws IOException {
    log = open(Map.of("segment.bytes", "1024", "index.interval.bytes", "100"), true);
    for (int i = 0; i < 100; i++) {
      log.appendAsLeader(records("value-" + i), 0, AppendOrigin.CLIENT, now);
    }

    assertThat(log.segmentCount()).isGreaterThan(5);
    assertThat(Files.exists(dir.resolve("t-0/00000000000000000000.log"))).isTrue();
    assertThat(Files.exists(dir.resolve("t-0/00000000000000000000.index"))).isTrue();
    assertThat(Files.exists(dir.resolve("t-0/00000000000000000000.timeindex"))).isTrue();
    for (int i = 0; i < 100; i += 7) {
      RecordBatch first = log.readRecords(i, 1 << 20, Long.MAX_VALUE).batches().iterator().next();
      assertThat(first.baseOffset()).isEqualTo(i);
    }
  }

  @Test
  void refusesBatchesOverMaxMessageBytes() throws IOException {
    log = open(Map.of("max.message.bytes", "200"), true);

    assertThatThrownBy(
            () -> log.appendAsLeader(records("y".repeat(500)), 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(RecordTooLargeException.class);
    assertThat(log.logEndOffset()).isZero();
  }

  @Test
  void refusesCorruptBatches() throws IOException {
    log = open(Map.of(), true);
    MemoryRecords records = records("a", "b");
    ByteBuffer buffer = records.buffer();
    buffer.put(buffer.limit() - 1, (byte) (buffer.get(buffer.limit() - 1) ^ 0x55));

    assertThatThrownBy(() -> log.appendAsLeader(records, 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(CorruptRecordException.class);
  }

  @Test
  void storesBatchesWithTheTopicsCompressionKeepingOffsetsTimestampsAndValues() throws IOException {
    log = open(Map.of("compression.type", "zstd"), true);

    log.appendAsLeader(records("a", "b"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(
        MemoryRecords.withRecords(
            Compression.gzip().build(),
            new SimpleRecord(2000L, null, "c".getBytes(StandardCharsets.UTF_8))),
        0,
        AppendOrigin.CLIENT,
        now);

    MemoryRecords read = log.readRecords(0, 1 << 20, Long.MAX_VALUE);
    assertThat(read.batches())
        .extracting(RecordBatch::compressionType, RecordBatch::baseOffset, RecordBatch::lastOffset)
        .containsExactly(tuple(CompressionType.ZSTD, 0L, 1L), tuple(CompressionType.ZSTD, 2L, 2L));
    assertThat(values(read)).containsExactly("a", "b", "c");
    assertThat(read.records()).extracting(Record::timestamp).containsExactly(1000L, 1001L, 2000L);
  }

  @Test
  void refusesTimestampsOutsideTheTopicsWindow() throws IOException {
    log = open(Map.of("message.timestamp.before.max.ms", "60000"), true);

    assertThatThrownBy(
            () -> log.appendAsLeader(keyed(now - 60_001, "k", "old"), 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(InvalidTimestampException.class)
        .hasMessageContaining("message.timestamp.before.max.ms=60000");
    // Kafka's default message.timestamp.after.max.ms is one hour.
    assertThatThrownBy(
            () ->
                log.appendAsLeader(
                    keyed(now + 3_600_001, "k", "future"), 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(InvalidTimestampException.class);
    assertThat(log.logEndOffset()).isZero();

    log.appendAsLeader(keyed(now - 60_000, "k", "in range"), 0, AppendOrigin.CLIENT, now);
    assertThat(readAll()).containsExactly("in range");
  }

  @Test
  void compactedTopicRefusesRecordsWithoutKey() throws IOException {
    log = open(Map.of("cleanup.policy", "compact"), true);
    MemoryRecords noKey =
        MemoryRecords.withRecords(
            Compression.NONE, new SimpleRecord(1L, null, "v".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(() -> log.appendAsLeader(noKey, 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(InvalidRecordException.class);
  }

  @Test
  void duplicateRetryGetsOriginalOffset() throws IOException {
    log = open(Map.of(), true);
    long pid = 42;
    MemoryRecords first =
        MemoryRecords.withIdempotentRecords(
            Compression.NONE,
            pid,
            (short) 0,
            0,
            new SimpleRecord("a".getBytes(StandardCharsets.UTF_8)));
    MemoryRecords second =
        MemoryRecords.withIdempotentRecords(
            Compression.NONE,
            pid,
            (short) 0,
            1,
            new SimpleRecord("b".getBytes(StandardCharsets.UTF_8)));
    log.appendAsLeader(first, 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(second, 0, AppendOrigin.CLIENT, now);

    MemoryRecords retry =
        MemoryRecords.withIdempotentRecords(
            Compression.NONE,
            pid,
            (short) 0,
            0,
            new SimpleRecord("a".getBytes(StandardCharsets.UTF_8)));
    PartitionLog.AppendResult result = log.appendAsLeader(retry, 0, AppendOrigin.CLIENT, now);

    assertThat(result.duplicate()).isTrue();
    assertThat(result.baseOffset()).isZero();
    assertThat(log.logEndOffset()).isEqualTo(2);
  }

  @Test
  void sequenceGapIsRefused() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(
        MemoryRecords.withIdempotentRecords(
            Compression.NONE,
            7,
            (short) 0,
            0,
            new SimpleRecord("a".getBytes(StandardCharsets.UTF_8))),
        0,
        AppendOrigin.CLIENT,
        now);

    MemoryRecords gap =
        MemoryRecords.withIdempotentRecords(
            Compression.NONE,
            7,
            (short) 0,
            5,
            new SimpleRecord("b".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(() -> log.appendAsLeader(gap, 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(OutOfOrderSequenceException.class);
  }

  @Test
  void producerStateSurvivesReopenSoRetriesAfterRestartAreStillDeduplicated() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(
        MemoryRecords.withIdempotentRecords(
            Compression.NONE,
            9,
            (short) 0,
            0,
            new SimpleRecord("a".getBytes(StandardCharsets.UTF_8))),
        0,
        AppendOrigin.CLIENT,
        now);
    log.close();
    log = open(Map.of(), true);

    PartitionLog.AppendResult retry =
        log.appendAsLeader(
            MemoryRecords.withIdempotentRecords(
                Compression.NONE,
                9,
                (short) 0,
                0,
                new SimpleRecord("a".getBytes(StandardCharsets.UTF_8))),
            0,
            AppendOrigin.CLIENT,
            now);

    assertThat(retry.duplicate()).isTrue();
    assertThat(Files.list(dir.resolve("t-0")).anyMatch(p -> p.toString().endsWith(".snapshot")))
        .isTrue();
  }

  @Test
  void aProducerIdleForTheExpirationIsForgottenAndThenTakenAsNew() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(idempotentAt(7, 0, now - 10_000, "a"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(idempotentAt(8, 0, now, "b"), 0, AppendOrigin.CLIENT, now);

    assertThat(log.removeExpiredProducers(now, 60_000)).isZero();
    assertThat(log.removeExpiredProducers(now + 55_000, 60_000)).as("7 wrote 65 s ago").isOne();
    assertThat(log.producers()).extracting(p -> p.producerId()).containsExactly(8L);
    // Producer 7 again, past its old sequence: as a new producer, appended, not out of order.
    assertThat(
            log.appendAsLeader(idempotentAt(7, 5, now, "c"), 0, AppendOrigin.CLIENT, now)
                .baseOffset())
        .isEqualTo(2);
  }

  @Test
  void anyOfTheLastFiveBatchesRetriedAfterARestartIsADuplicate() throws IOException {
    log = open(Map.of(), true);
    for (int seq = 0; seq < 5; seq++) {
      log.appendAsLeader(idempotent(9, seq, "v" + seq), 0, AppendOrigin.CLIENT, now);
    }
    log.close();
    log = open(Map.of(), true); // its snapshot holds only the last batch

    PartitionLog.AppendResult retry =
        log.appendAsLeader(idempotent(9, 1, "v1"), 0, AppendOrigin.CLIENT, now);

    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.baseOffset()).isEqualTo(1);
    assertThat(log.logEndOffset()).isEqualTo(5);
    assertThat(log.appendAsLeader(idempotent(9, 5, "v5"), 0, AppendOrigin.CLIENT, now).baseOffset())
        .isEqualTo(5);
  }

  /**
   * A new leader holds, from replicating them as a follower, the batches a producer still waits for
   * at the old leader; more than Kafka's 5 later batches may reach it before those are retried
   * (replication.md, "Idempotence across a leader change").
   */
  @Test
  void aRetryBehindMoreThanFiveLaterBatchesIsStillADuplicate() throws IOException {
    log = open(Map.of(), true);
    for (int seq = 0; seq < 4; seq++) {
      log.appendAsFollower(
          MemoryRecords.withIdempotentRecords(
              seq,
              Compression.NONE,
              9,
              (short) 0,
              seq,
              0,
              new SimpleRecord(("v" + seq).getBytes(StandardCharsets.UTF_8))),
          now);
    }
    for (int seq = 4; seq < 10; seq++) {
      log.appendAsLeader(idempotent(9, seq, "v" + seq), 1, AppendOrigin.CLIENT, now);
    }

    PartitionLog.AppendResult retry =
        log.appendAsLeader(idempotent(9, 0, "v0"), 1, AppendOrigin.CLIENT, now);

    assertThat(retry.duplicate()).isTrue();
    assertThat(retry.baseOffset()).isZero();
    assertThat(log.logEndOffset()).isEqualTo(10);
  }

  @Test
  void aRetryOlderThanEveryRememberedBatchIsOutOfOrder() throws IOException {
    log = open(Map.of(), true);
    for (int seq = 0; seq <= ProducerStateManager.BATCHES_REMEMBERED; seq++) {
      log.appendAsLeader(idempotent(9, seq, "v" + seq), 0, AppendOrigin.CLIENT, now);
    }

    assertThatThrownBy(
            () -> log.appendAsLeader(idempotent(9, 0, "v0"), 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(OutOfOrderSequenceException.class);
    assertThat(log.appendAsLeader(idempotent(9, 1, "v1"), 0, AppendOrigin.CLIENT, now).duplicate())
        .isTrue();
  }

  static MemoryRecords idempotent(long producerId, int sequence, String value) {
    return MemoryRecords.withIdempotentRecords(
        Compression.NONE,
        producerId,
        (short) 0,
        sequence,
        new SimpleRecord(value.getBytes(StandardCharsets.UTF_8)));
  }

  static MemoryRecords idempotentAt(long producerId, int sequence, long timestamp, String value) {
    return MemoryRecords.withIdempotentRecords(
        Compression.NONE,
        producerId,
        (short) 0,
        sequence,
        new SimpleRecord(timestamp, null, value.getBytes(StandardCharsets.UTF_8)));
  }

  @Test
  void recoveryTruncatesATornTailAndKeepsEveryCompleteBatch() throws IOException {
    log = open(Map.of(), true);
    for (int i = 0; i < 10; i++) {
      log.appendAsLeader(records("r" + i), 0, AppendOrigin.CLIENT, now);
    }
    log.close();
    log = null;
    Path segment = dir.resolve("t-0/00000000000000000000.log");
    long validSize = Files.size(segment);
    // A crash mid-write: half of a further batch reached the file.
    ByteBuffer next = records("torn").buffer();
    byte[] half = new byte[next.remaining() / 2];
    next.get(half);
    Files.write(segment, half, StandardOpenOption.APPEND);

    log = open(Map.of(), false);

    assertThat(Files.size(segment)).isEqualTo(validSize);
    assertThat(log.logEndOffset()).isEqualTo(10);
    assertThat(readAll()).hasSize(10).endsWith("r9");
    assertThat(log.appendAsLeader(records("after"), 0, AppendOrigin.CLIENT, now).baseOffset())
        .isEqualTo(10);
  }

  @Test
  void recoveryTruncatesAtACorruptBatch() throws IOException {
    log = open(Map.of(), true);
    for (int i = 0; i < 5; i++) {
      log.appendAsLeader(records("r" + i), 0, AppendOrigin.CLIENT, now);
    }
    log.close();
    log = null;
    Path segment = dir.resolve("t-0/00000000000000000000.log");
    byte[] bytes = Files.readAllBytes(segment);
    bytes[bytes.length - 3] ^= 0x7f; // the last batch's CRC no longer matches
    Files.write(segment, bytes);

    log = open(Map.of(), false);

    assertThat(log.logEndOffset()).isEqualTo(4);
    assertThat(readAll()).containsExactly("r0", "r1", "r2", "r3");
  }

  @Test
  void retentionBySizeDeletesOldestSegmentsAndMovesTheLogStart() throws IOException {
    log = open(Map.of("segment.bytes", "1024", "retention.bytes", "3000"), true);
    for (int i = 0; i < 100; i++) {
      log.appendAsLeader(records("value-" + i), 0, AppendOrigin.CLIENT, now);
    }
    log.updateHighWatermark(log.logEndOffset());

    int deleted = log.applyRetention(now);

    assertThat(deleted).isPositive();
    assertThat(log.sizeInBytes()).isLessThanOrEqualTo(3000 + 1024);
    assertThat(log.logStartOffset()).isPositive();
    assertThatThrownBy(() -> log.read(0, 100, Long.MAX_VALUE, true))
        .isInstanceOf(OffsetOutOfRangeException.class);
  }

  @Test
  void retentionByTimeDeletesSegmentsWhoseNewestRecordIsTooOld() throws IOException {
    log = open(Map.of("segment.bytes", "1024", "retention.ms", "60000"), true);
    for (int i = 0; i < 50; i++) {
      log.appendAsLeader(keyed(now - 3_600_000, "k", "old-" + i), 0, AppendOrigin.CLIENT, now);
    }
    log.updateHighWatermark(log.logEndOffset());

    log.applyRetention(now);

    assertThat(log.logStartOffset()).isEqualTo(log.logEndOffset());
    assertThat(log.appendAsLeader(keyed(now, "k", "new"), 0, AppendOrigin.CLIENT, now).baseOffset())
        .isEqualTo(50);
  }

  /** Records value-0 to value-99, one a batch, in segments of 1 KB, all committed. */
  PartitionLog hundredRecordsInSmallSegments() throws IOException {
    PartitionLog opened = open(Map.of("segment.bytes", "1024"), true);
    for (int i = 0; i < 100; i++) {
      opened.appendAsLeader(records("value-" + i), 0, AppendOrigin.CLIENT, now);
    }
    opened.updateHighWatermark(opened.logEndOffset());
    return opened;
  }

  @Test
  void deleteRecordsMovesTheLogStartDeletesSegmentsWhollyBelowItAndSurvivesARestart()
      throws IOException {
    log = hundredRecordsInSmallSegments();
    int segments = log.segmentCount();

    assertThat(log.deleteRecordsBefore(42)).isEqualTo(42);
    assertThat(log.deleteRecordsBefore(10)).as("never moves back").isEqualTo(42);

    assertThat(log.segmentCount()).isLessThan(segments).isGreaterThan(1);
    assertThatThrownBy(() -> log.read(41, 100, Long.MAX_VALUE, true))
        .isInstanceOf(OffsetOutOfRangeException.class);
    assertThat(values(log.readRecords(42, 100, Long.MAX_VALUE))).startsWith("value-42");
    log.close();
    log = open(Map.of("segment.bytes", "1024"), false);
    assertThat(log.logStartOffset()).isEqualTo(42);
    assertThat(readAll()).hasSize(58).startsWith("value-42").endsWith("value-99");
    assertThat(log.leaderEpochs().entries().get(0).startOffset()).isEqualTo(42);
  }

  @Test
  void onOpenTheLogStartIsNeverBelowTheFirstSegmentNorAboveSegmentsLeftBelowIt()
      throws IOException {
    log = hundredRecordsInSmallSegments();
    int segments = log.segmentCount();
    log.close();
    // A crash after the checkpoint moved, before the segments below it were deleted.
    Files.writeString(dir.resolve("t-0").resolve("log-start-offset"), "42\n");
    log = open(Map.of("segment.bytes", "1024"), false);
    assertThat(log.logStartOffset()).isEqualTo(42);
    assertThat(log.segmentCount()).isLessThan(segments);
    assertThat(values(log.readRecords(42, 100, Long.MAX_VALUE))).startsWith("value-42");
    log.close();
    // A checkpoint below the first segment (segments gone, checkpoint older).
    Files.writeString(dir.resolve("t-0").resolve("log-start-offset"), "0\n");
    log = open(Map.of("segment.bytes", "1024"), false);
    assertThat(log.logStartOffset()).isPositive().isLessThanOrEqualTo(42);
    assertThat(values(log.readRecords(log.logStartOffset(), 100, Long.MAX_VALUE))).isNotEmpty();
  }

  @Test
  void recordsPastTheHighWatermarkCannotBeDeleted() throws IOException {
    log = open(Map.of(), true);
    for (int i = 0; i < 10; i++) {
      log.appendAsLeader(records("value-" + i), 0, AppendOrigin.CLIENT, now);
    }
    log.updateHighWatermark(6);

    assertThatThrownBy(() -> log.deleteRecordsBefore(7))
        .isInstanceOf(OffsetOutOfRangeException.class);
    assertThat(log.logStartOffset()).isZero();
    assertThat(log.deleteRecordsBefore(6)).isEqualTo(6);
  }

  @Test
  void aFollowerTakesTheLeadersLogStartUpToItsOwnHighWatermark() throws IOException {
    log = open(Map.of(), true);
    log.appendAsFollower(records("a", "b", "c", "d"), now);
    log.updateHighWatermark(2);

    log.followLogStartOffset(3);
    assertThat(log.logStartOffset()).isEqualTo(2);
    log.updateHighWatermark(4);
    log.followLogStartOffset(3);
    assertThat(log.logStartOffset()).isEqualTo(3);
  }

  @Test
  void compactionKeepsTheNewestRecordPerKey() throws IOException {
    log = open(Map.of("cleanup.policy", "compact", "segment.bytes", "1024"), true);
    Map<String, String> expected = new HashMap<>();
    for (int i = 0; i < 200; i++) {
      String key = "key-" + (i % 10);
      log.appendAsLeader(keyed(now, key, "v" + i), 0, AppendOrigin.CLIENT, now);
      expected.put(key, "v" + i);
    }
    log.roll();
    log.updateHighWatermark(log.logEndOffset()); // only committed records supersede others

    int removed = new LogCleaner().clean(log, now);

    assertThat(removed).isEqualTo(190);
    assertThat(readAll()).containsExactlyInAnyOrderElementsOf(expected.values());
    assertThat(log.logEndOffset()).isEqualTo(200);
  }

  @Test
  void compactionLeavesSegmentsYoungerThanMinCompactionLag() throws IOException {
    log =
        open(
            Map.of(
                "cleanup.policy",
                "compact",
                "segment.bytes",
                "1024",
                "min.compaction.lag.ms",
                "60000"),
            true);
    for (int i = 0; i < 200; i++) {
      log.appendAsLeader(keyed(now, "key-" + (i % 10), "v" + i), 0, AppendOrigin.CLIENT, now);
    }
    log.roll();
    log.updateHighWatermark(log.logEndOffset());

    LogCleaner cleaner = new LogCleaner();
    assertThat(cleaner.clean(log, now + 59_999)).isZero();
    // Held back by the lag alone, the log is left alone until the lag passes...
    assertThat(cleaner.clean(log, now + 59_999)).isZero();
    // ...and then compacted by the same cleaner, though it has not grown since.
    assertThat(cleaner.clean(log, now + 60_000)).isEqualTo(190);
    assertThat(cleaner.clean(log, now + 60_001)).isZero();
  }

  @Test
  void compactionKeepsACommittedValueOverALaterAbortedOne() throws IOException {
    log = open(Map.of("cleanup.policy", "compact"), true);
    log.appendAsLeader(keyed(now, "k", "committed"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(keyed(now, "x", "x-old"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(txn(7, 0, "k", "aborted"), 0, AppendOrigin.CLIENT, now);
    abort(7);
    log.appendAsLeader(keyed(now, "x", "x-new"), 0, AppendOrigin.CLIENT, now);
    log.roll();
    log.updateHighWatermark(log.logEndOffset());

    LogCleaner cleaner = new LogCleaner();
    assertThat(cleaner.clean(log, now)).as("x-old and the aborted record").isEqualTo(2);

    assertThat(dataValues()).containsExactly("committed", "x-new");
    assertThat(readCommitted()).containsExactly("committed", "x-new");
    // The aborted batch is producer 7's last: as in Kafka, its header stays (empty) for the
    // producer's state, so its marker and index entry stay too.
    assertThat(cleaner.clean(log, now + 1)).isZero();
    assertThat(batches())
        .filteredOn(b -> b.producerId() == 7 && !b.isControlBatch())
        .extracting(RecordBatch::baseOffset, RecordBatch::countOrNull)
        .containsExactly(tuple(2L, 0));
    assertThat(controlBatches()).extracting(RecordBatch::baseOffset).containsExactly(3L);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 2));
  }

  @Test
  void compactionDoesNotLetAnOpenTransactionSupersedeUntilItCommits() throws IOException {
    log = open(Map.of("cleanup.policy", "compact"), true);
    log.appendAsLeader(keyed(now, "k", "committed"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(keyed(now, "x", "x-old"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(keyed(now, "x", "x-new"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(txn(7, 0, "k", "pending"), 0, AppendOrigin.CLIENT, now);
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(3);

    LogCleaner cleaner = new LogCleaner();
    assertThat(cleaner.clean(log, now)).as("only x-old").isOne();
    assertThat(dataValues()).containsExactly("committed", "x-new", "pending");

    commit(7);
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    assertThat(cleaner.clean(log, now)).as("now committed, pending supersedes").isOne();
    assertThat(dataValues()).containsExactly("x-new", "pending");
  }

  /**
   * Transactions of two producers, each writing a second one so that the first is not its last
   * batch: 7 aborts (a1), 8 commits (b1, then superseded by b2), 7 and 8 commit again, 9 is open.
   */
  void writeTransactionsToClean() throws IOException {
    log.appendAsLeader(txn(7, 0, "k1", "a1"), 0, AppendOrigin.CLIENT, now); // 0
    abort(7); // 1
    log.appendAsLeader(txn(8, 0, "k2", "b1"), 0, AppendOrigin.CLIENT, now); // 2
    commit(8); // 3
    log.appendAsLeader(keyed(now, "k2", "b2"), 0, AppendOrigin.CLIENT, now); // 4
    log.appendAsLeader(txn(7, 1, "k3", "c1"), 0, AppendOrigin.CLIENT, now); // 5
    commit(7); // 6
    log.appendAsLeader(txn(8, 1, "k4", "d1"), 0, AppendOrigin.CLIENT, now); // 7
    commit(8); // 8
    log.appendAsLeader(txn(9, 0, "k5", "e1"), 0, AppendOrigin.CLIENT, now); // 9, open
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(9);
  }

  @Test
  void compactionRemovesAbortedRecordsAndLaterTheMarkersOfTransactionsWithNothingLeft()
      throws IOException {
    Map<String, String> config = Map.of("cleanup.policy", "compact", "delete.retention.ms", "1000");
    log = open(config, true);
    writeTransactionsToClean();
    assertThat(readCommitted()).containsExactly("b1", "b2", "c1", "d1");
    LogCleaner cleaner = new LogCleaner();

    assertThat(cleaner.clean(log, now)).as("a1, aborted, and b1, superseded").isEqualTo(2);
    assertThat(dataValues()).containsExactly("b2", "c1", "d1", "e1");
    assertThat(readCommitted()).containsExactly("b2", "c1", "d1");
    assertThat(controlBatches())
        .as("this run still read the batches of the first two transactions")
        .extracting(RecordBatch::baseOffset, b -> b.deleteHorizonMs().isPresent())
        .containsExactly(tuple(1L, false), tuple(3L, false), tuple(6L, false), tuple(8L, false));
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));

    assertThat(cleaner.clean(log, now + 1)).as("markers get a horizon; nothing removed").isZero();
    assertThat(controlBatches())
        .extracting(RecordBatch::baseOffset, b -> b.deleteHorizonMs().orElse(-1))
        .containsExactly(
            tuple(1L, now + 1 + 1000), tuple(3L, now + 1 + 1000), tuple(6L, -1L), tuple(8L, -1L));
    assertThat(aborted(0, Long.MAX_VALUE)).as("its records are gone").isEmpty();
    assertThat(txnIndex(0)).doesNotExist();
    assertThat(readCommitted()).containsExactly("b2", "c1", "d1");

    assertThat(cleaner.clean(log, now + 1000)).as("before the horizon").isZero();
    assertThat(controlBatches()).hasSize(4);

    assertThat(cleaner.clean(log, now + 1 + 1000)).as("the two markers").isEqualTo(2);
    assertThat(controlBatches())
        .extracting(RecordBatch::producerId, RecordBatch::baseOffset)
        .containsExactly(tuple(7L, 6L), tuple(8L, 8L));
    assertThat(readCommitted()).containsExactly("b2", "c1", "d1");
    assertThat(dataValues()).containsExactly("b2", "c1", "d1", "e1");
    assertThat(cleaner.clean(log, now + 10_000)).isZero();

    // Replayed from the start, without a producer snapshot, the log has no transaction left open
    // but 9's: no batch outlived its marker.
    log.close();
    try (Stream<Path> files = Files.list(dir.resolve("t-0"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) {
        Files.delete(file);
      }
    }
    log = open(config, true);
    assertThat(log.lastStableOffset()).isEqualTo(9);
    assertThat(aborted(0, Long.MAX_VALUE)).isEmpty();
    commit(9);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(log.logEndOffset());
    assertThat(readCommitted()).containsExactly("b2", "c1", "d1", "e1");
  }

  @Test
  void aMarkerThatIsItsProducersLastEntryStaysEmptySoItsEpochStillFences() throws IOException {
    Map<String, String> config = Map.of("cleanup.policy", "compact", "delete.retention.ms", "0");
    log = open(config, true);
    log.appendAsLeader(txn(7, 0, "k", "a1"), 0, AppendOrigin.CLIENT, now); // 0, epoch 0
    log.appendMarker(7, (short) 1, 0, false, 0, now); // 1: aborted by a successor, epoch 1
    log.appendAsLeader(keyed(now, "x", "x1"), 0, AppendOrigin.CLIENT, now); // 2
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    LogCleaner cleaner = new LogCleaner();

    assertThat(cleaner.clean(log, now)).as("a1").isOne();
    assertThat(cleaner.clean(log, now + 1)).as("the marker gets its horizon").isZero();
    assertThat(cleaner.clean(log, now + 2)).as("the marker's control record").isOne();

    assertThat(batches())
        .extracting(RecordBatch::baseOffset, RecordBatch::isControlBatch, RecordBatch::countOrNull)
        .as("the marker's header stays: epoch 1 is not in any other batch")
        .containsExactly(tuple(1L, true, 0), tuple(2L, false, 1));
    log.close();
    try (Stream<Path> files = Files.list(dir.resolve("t-0"))) {
      for (Path file : files.filter(f -> f.toString().endsWith(".snapshot")).toList()) {
        Files.delete(file);
      }
    }
    log = open(config, true);
    assertThatThrownBy(() -> log.appendAsLeader(txn(7, 1, "k", "a2"), 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(InvalidProducerEpochException.class);
  }

  @Test
  void compactionLeavesAnAbortedTransactionAboveTheLastStableOffsetAlone() throws IOException {
    log = open(Map.of("cleanup.policy", "compact"), true);
    log.appendAsLeader(txn(9, 0, "k0", "open"), 0, AppendOrigin.CLIENT, now); // 0
    log.appendAsLeader(txn(7, 0, "k1", "a1"), 0, AppendOrigin.CLIENT, now); // 1
    abort(7); // 2
    log.appendAsLeader(txn(7, 1, "k2", "c1"), 0, AppendOrigin.CLIENT, now); // 3
    commit(7); // 4
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isZero();

    LogCleaner cleaner = new LogCleaner();
    assertThat(cleaner.clean(log, now)).isZero();
    assertThat(cleaner.clean(log, now + 1)).isZero();
    assertThat(dataValues()).containsExactly("open", "a1", "c1");
    assertThat(controlBatches()).hasSize(2);

    commit(9); // 5
    log.updateHighWatermark(log.logEndOffset());
    assertThat(cleaner.clean(log, now + 2)).as("a1, now below the last stable offset").isOne();
    assertThat(dataValues()).containsExactly("open", "c1");
  }

  @Test
  void aTombstoneIsRemovedOnlyAfterTheDeleteHorizonOfTheRunThatFirstKeptIt() throws IOException {
    log = open(Map.of("cleanup.policy", "compact", "delete.retention.ms", "1000"), true);
    long longAgo = now - 86_400_000L; // the records' own timestamps do not count
    log.appendAsLeader(keyed(longAgo, "k", "v"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(keyed(longAgo, "k", null), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(keyed(longAgo, "x", "x1"), 0, AppendOrigin.CLIENT, now);
    log.roll();
    log.updateHighWatermark(log.logEndOffset());
    LogCleaner cleaner = new LogCleaner();

    assertThat(cleaner.clean(log, now)).as("v, superseded").isOne();
    assertThat(readAll()).containsExactly(null, "x1");
    assertThat(batches())
        .extracting(RecordBatch::baseOffset, b -> b.deleteHorizonMs().orElse(-1))
        .containsExactly(tuple(1L, now + 1000), tuple(2L, -1L));
    assertThat(cleaner.clean(log, now + 999)).isZero();
    assertThat(readAll()).containsExactly(null, "x1");

    assertThat(cleaner.clean(log, now + 1000)).as("the tombstone").isOne();
    assertThat(readAll()).containsExactly("x1");
  }

  @Test
  void truncateToRemovesTheTailAndItsEpochs() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("a", "b"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(records("c"), 1, AppendOrigin.CLIENT, now);

    log.truncateTo(2);

    assertThat(log.logEndOffset()).isEqualTo(2);
    assertThat(log.leaderEpochs().latestEpoch()).isZero();
    assertThat(Files.readString(dir.resolve("t-0/leader-epoch-checkpoint")))
        .isEqualTo("0\n1\n0 0\n");
  }

  @Test
  void truncateFullyAndStartAtRestartsAnEmptyLogThatFollowsFromThere() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("a", "b", "c"), 0, AppendOrigin.CLIENT, now);
    log.updateHighWatermark(3);

    log.truncateFullyAndStartAt(100);

    assertThat(log.logStartOffset()).isEqualTo(100);
    assertThat(log.logEndOffset()).isEqualTo(100);
    assertThat(log.highWatermark()).isEqualTo(100);
    assertThat(log.leaderEpochs().latestEpoch()).isNegative();
    log.appendAsFollower(
        MemoryRecords.withRecords(100L, Compression.NONE, 2, new SimpleRecord("x".getBytes())),
        now);
    log.close();
    log = open(Map.of(), true);
    assertThat(log.logStartOffset()).isEqualTo(100);
    assertThat(log.logEndOffset()).isEqualTo(101);
    assertThat(readAll()).containsExactly("x");
    assertThat(log.leaderEpochs().latestEpoch()).isEqualTo(2);
  }

  @Test
  void leaderEpochsAnswerWhereAnEpochEnded() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("a", "b"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(records("c"), 3, AppendOrigin.CLIENT, now);

    assertThat(log.leaderEpochs().endOffsetFor(0, log.logEndOffset()))
        .isEqualTo(new LeaderEpochCache.EpochEnd(0, 2));
    assertThat(log.leaderEpochs().endOffsetFor(2, log.logEndOffset()))
        .isEqualTo(new LeaderEpochCache.EpochEnd(0, 2));
    assertThat(log.leaderEpochs().endOffsetFor(3, log.logEndOffset()))
        .isEqualTo(new LeaderEpochCache.EpochEnd(3, 3));
  }

  @Test
  void findsOffsetsByTimestamp() throws IOException {
    log = open(Map.of("segment.bytes", "1024", "index.interval.bytes", "0"), true);
    for (int i = 0; i < 100; i++) {
      log.appendAsLeader(keyed(10_000 + i * 10L, "k", "v" + i), 0, AppendOrigin.CLIENT, now);
    }

    assertThat(log.offsetForTimestamp(10_000 + 425).orElseThrow().offset).isEqualTo(43);
    assertThat(log.offsetForTimestamp(0).orElseThrow().offset).isZero();
    assertThat(log.offsetForTimestamp(1_000_000)).isEmpty();
    assertThat(log.maxTimestamp().orElseThrow().offset).isEqualTo(99);
  }

  // Transactions: the last stable offset, the aborted-transaction index and markers.

  /** A transactional batch of one keyed record from {@code producerId}, epoch 0. */
  MemoryRecords txn(long producerId, int sequence, String key, String value) {
    return MemoryRecords.withTransactionalRecords(
        Compression.NONE,
        producerId,
        (short) 0,
        sequence,
        new SimpleRecord(
            now, key.getBytes(StandardCharsets.UTF_8), value.getBytes(StandardCharsets.UTF_8)));
  }

  long commit(long producerId) throws IOException {
    return log.appendMarker(producerId, (short) 0, 0, true, 0, now).baseOffset();
  }

  long abort(long producerId) throws IOException {
    return log.appendMarker(producerId, (short) 0, 0, false, 0, now).baseOffset();
  }

  /** An aborted transaction as a read_committed fetch is told of it. */
  record Aborted(long producerId, long firstOffset) {}

  List<Aborted> aborted(long fetchOffset, long upperBound) {
    return log.abortedTransactions(fetchOffset, upperBound).stream()
        .map(a -> new Aborted(a[0], a[1]))
        .toList();
  }

  /**
   * What a read_committed consumer reading the log from its start is given, filtered as Kafka's
   * consumer filters a fetch: the aborted transactions it is told of make it skip their producer's
   * transactional batches from their first offset up to the producer's next ABORT marker.
   */
  List<String> readCommitted() throws IOException {
    long lastStable = log.lastStableOffset();
    java.util.PriorityQueue<Aborted> toSkip =
        new java.util.PriorityQueue<>(java.util.Comparator.comparingLong(Aborted::firstOffset));
    toSkip.addAll(aborted(log.logStartOffset(), lastStable));
    java.util.Set<Long> skipping = new java.util.HashSet<>();
    List<String> values = new ArrayList<>();
    for (RecordBatch batch : batches()) {
      if (batch.baseOffset() >= lastStable) {
        break;
      }
      if (batch.hasProducerId()) {
        while (!toSkip.isEmpty() && toSkip.peek().firstOffset() <= batch.lastOffset()) {
          skipping.add(toSkip.poll().producerId());
        }
        if (batch.isControlBatch()) {
          Iterator<Record> records = batch.iterator();
          if (records.hasNext()
              && ControlRecordType.parse(records.next().key()) == ControlRecordType.ABORT) {
            skipping.remove(batch.producerId());
          }
        } else if (batch.isTransactional() && skipping.contains(batch.producerId())) {
          continue;
        }
      }
      if (!batch.isControlBatch()) {
        for (Record r : batch) {
          values.add(r.hasValue() ? StandardCharsets.UTF_8.decode(r.value()).toString() : null);
        }
      }
    }
    return values;
  }

  /** Every batch of the log, control batches included. */
  List<RecordBatch> batches() throws IOException {
    List<RecordBatch> all = new ArrayList<>();
    long offset = log.logStartOffset();
    while (offset < log.logEndOffset()) {
      for (RecordBatch batch : log.readRecords(offset, 1 << 20, Long.MAX_VALUE).batches()) {
        all.add(batch);
        offset = batch.nextOffset();
      }
    }
    return all;
  }

  List<RecordBatch> controlBatches() throws IOException {
    return batches().stream().filter(RecordBatch::isControlBatch).toList();
  }

  /** The values of the data records, without the markers' control records. */
  List<String> dataValues() throws IOException {
    List<String> values = new ArrayList<>();
    for (RecordBatch batch : batches()) {
      if (!batch.isControlBatch()) {
        for (Record r : batch) {
          values.add(StandardCharsets.UTF_8.decode(r.value()).toString());
        }
      }
    }
    return values;
  }

  Path txnIndex(long segmentBase) {
    return dir.resolve("t-0").resolve(String.format("%020d.txnindex", segmentBase));
  }

  /** The aborted transactions of one segment as Apache Kafka's own TransactionIndex reads them. */
  List<AbortedTxn> readByKafka(long segmentBase) throws IOException {
    try (TransactionIndex index =
        new TransactionIndex(segmentBase, txnIndex(segmentBase).toFile())) {
      index.sanityCheck();
      return index.allAbortedTxns();
    }
  }

  /**
   * What a crash of the broker process leaves on disk: every file as written so far, but no
   * producer snapshot or high-watermark checkpoint from a close. The log is reopened from that.
   */
  void crashAndReopen(Map<String, String> overrides, Consumer<Path> damage) throws IOException {
    Path partition = dir.resolve("t-0");
    Path image = dir.resolve("crash-image");
    log.flush();
    Files.createDirectories(image);
    try (Stream<Path> files = Files.list(partition)) {
      for (Path file : files.toList()) {
        Files.copy(file, image.resolve(file.getFileName()));
      }
    }
    log.close();
    log = null;
    try (Stream<Path> files = Files.list(partition)) {
      for (Path file : files.toList()) {
        Files.delete(file);
      }
    }
    Files.delete(partition);
    Files.move(image, partition);
    damage.accept(partition);
    log = open(overrides, false);
  }

  @Test
  void theLastStableOffsetStopsAtAnOpenTransactionUntilItsCommit() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(records("a", "b"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(txn(7, 0, "k", "t1"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(records("c"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(txn(7, 1, "k", "t2"), 0, AppendOrigin.CLIENT, now);
    log.updateHighWatermark(1);
    assertThat(log.lastStableOffset()).as("bounded by the high watermark").isEqualTo(1);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).as("the transaction's first offset").isEqualTo(2);

    assertThat(commit(7)).isEqualTo(5);

    assertThat(log.lastStableOffset()).as("the marker is not replicated yet").isEqualTo(5);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(6);
    assertThat(aborted(0, Long.MAX_VALUE)).isEmpty();
    assertThat(txnIndex(0)).doesNotExist();
  }

  @Test
  void theLastStableOffsetPassesAnAbortedTransactionAndTheFetchIsToldOfIt() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(txn(7, 0, "k", "t1"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(txn(8, 0, "k", "u1"), 0, AppendOrigin.CLIENT, now);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isZero();

    abort(7);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).as("8 still open").isEqualTo(1);
    abort(8);
    log.updateHighWatermark(log.logEndOffset());

    assertThat(log.lastStableOffset()).isEqualTo(4);
    assertThat(aborted(0, 4)).containsExactly(new Aborted(7, 0), new Aborted(8, 1));
    assertThat(log.abortedByProducer().isAborted(7, 0)).isTrue();
    assertThat(log.abortedByProducer().isAborted(8, 0)).isFalse();
  }

  @Test
  void abortedTransactionsAreTheOnesAFetchRangeOverlaps() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now); // 0
    log.appendAsLeader(txn(7, 1, "k", "b"), 0, AppendOrigin.CLIENT, now); // 1
    abort(7); // 2
    log.appendAsLeader(txn(8, 0, "k", "c"), 0, AppendOrigin.CLIENT, now); // 3
    commit(8); // 4
    log.appendAsLeader(txn(9, 0, "k", "d"), 0, AppendOrigin.CLIENT, now); // 5
    log.appendAsLeader(records("e"), 0, AppendOrigin.CLIENT, now); // 6
    abort(9); // 7

    assertThat(aborted(0, 8)).containsExactly(new Aborted(7, 0), new Aborted(9, 5));
    assertThat(aborted(3, 8))
        .as("7's marker is before the fetch")
        .containsExactly(new Aborted(9, 5));
    assertThat(aborted(0, 5)).as("9 began at the bound").containsExactly(new Aborted(7, 0));
    assertThat(aborted(8, 100)).isEmpty();
    assertThat(log.abortedByProducer().isAborted(7, 1)).isTrue();
    assertThat(log.abortedByProducer().isAborted(8, 3)).as("committed").isFalse();
    assertThat(log.abortedByProducer().isAborted(9, 5)).isTrue();
    assertThat(log.abortedByProducer().isAborted(9, 8)).as("after its marker").isFalse();
  }

  @Test
  void theTransactionIndexIsKafkasFormat() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(txn(8, 0, "k", "open"), 0, AppendOrigin.CLIENT, now); // 0, open until 5
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now); // 1
    abort(7); // 2
    log.appendAsLeader(txn(9, 0, "k", "b"), 0, AppendOrigin.CLIENT, now); // 3
    abort(9); // 4
    commit(8); // 5
    log.appendAsLeader(txn(7, 1, "k", "c"), 0, AppendOrigin.CLIENT, now); // 6
    abort(7); // 7

    List<AbortedTxn> expected =
        List.of(
            new AbortedTxn(7, 1, 2, 0), // the last stable offset then: 8's open transaction
            new AbortedTxn(9, 3, 4, 0),
            new AbortedTxn(7, 6, 7, 8));
    assertThat(Files.size(txnIndex(0))).isEqualTo(3 * 34);
    assertThat(readByKafka(0)).isEqualTo(expected);
    try (TransactionIndex index = new TransactionIndex(0, txnIndex(0).toFile())) {
      assertThat(index.collectAbortedTxns(3, 7).abortedTransactions)
          .extracting(AbortedTxn::producerId, AbortedTxn::firstOffset)
          .containsExactlyElementsOf(
              aborted(3, 7).stream().map(a -> tuple(a.producerId(), a.firstOffset())).toList());
    }
  }

  @Test
  void aFollowerIndexesTheAbortsItReplicates() throws IOException {
    log = open(Map.of(), true);
    log.appendAsFollower(
        MemoryRecords.withTransactionalRecords(
            0L,
            Compression.NONE,
            7,
            (short) 0,
            0,
            3,
            new SimpleRecord(now, "k".getBytes(), "a".getBytes()),
            new SimpleRecord(now, "k".getBytes(), "b".getBytes())),
        now);
    log.appendAsFollower(
        MemoryRecords.withTransactionalRecords(
            2L, Compression.NONE, 8, (short) 0, 0, 3, new SimpleRecord(now, "k".getBytes(), null)),
        now);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isZero();

    log.appendAsFollower(
        MemoryRecords.withEndTransactionMarker(
            3L, now, 3, 7, (short) 0, new EndTransactionMarker(ControlRecordType.ABORT, 1)),
        now);
    log.updateHighWatermark(log.logEndOffset());

    assertThat(log.lastStableOffset()).isEqualTo(2);
    assertThat(aborted(0, 4)).containsExactly(new Aborted(7, 0));
    assertThat(readByKafka(0)).containsExactly(new AbortedTxn(7, 0, 3, 2));
  }

  /**
   * Producer 7 aborted (0..2), producer 8 committed (3..4), producer 9 open since 5, the high
   * watermark at the log end (7).
   */
  void abortedCommittedAndOpenTransactions() throws IOException {
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(txn(7, 1, "k", "b"), 0, AppendOrigin.CLIENT, now);
    abort(7);
    log.appendAsLeader(txn(8, 0, "k", "c"), 0, AppendOrigin.CLIENT, now);
    commit(8);
    log.appendAsLeader(txn(9, 0, "k", "d"), 0, AppendOrigin.CLIENT, now);
    log.appendAsLeader(records("e"), 0, AppendOrigin.CLIENT, now);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(5);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));
  }

  @Test
  void abortedAndOpenTransactionsSurviveACleanRestart() throws IOException {
    log = open(Map.of(), true);
    abortedCommittedAndOpenTransactions();
    log.close();

    log = open(Map.of(), true);

    assertThat(log.lastStableOffset()).isEqualTo(5);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));
    assertThat(log.abortedByProducer().isAborted(7, 1)).isTrue();
    abort(9);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(8);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0), new Aborted(9, 5));
  }

  @Test
  void afterACrashThatLostTheTransactionIndexReplayRebuildsIt() throws IOException {
    log = open(Map.of(), true);
    abortedCommittedAndOpenTransactions();

    crashAndReopen(Map.of(), partition -> delete(partition.resolve(txnIndex(0).getFileName())));

    assertThat(log.highWatermark()).as("no checkpoint was written").isZero();
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(5);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));
    assertThat(readByKafka(0)).containsExactly(new AbortedTxn(7, 0, 2, 3));
    commit(9);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(8);
  }

  @Test
  void afterACrashTheTransactionIndexIsNotDuplicatedByReplay() throws IOException {
    log = open(Map.of(), true);
    abortedCommittedAndOpenTransactions();

    crashAndReopen(Map.of(), partition -> {});

    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(5);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));
    assertThat(readByKafka(0)).containsExactly(new AbortedTxn(7, 0, 2, 3));
  }

  @Test
  void anAbortMarkerTornByACrashIsCutFromTheIndexAndTheTransactionIsOpenAgain() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now);
    abort(7);
    assertThat(readByKafka(0)).hasSize(1);

    crashAndReopen(
        Map.of(),
        partition -> {
          Path segment = partition.resolve("00000000000000000000.log");
          try (FileChannel channel = FileChannel.open(segment, StandardOpenOption.WRITE)) {
            channel.truncate(channel.size() - 3); // the marker only partly reached the disk
          } catch (IOException e) {
            throw new UncheckedIOException(e);
          }
        });

    assertThat(log.logEndOffset()).isOne();
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isZero();
    assertThat(aborted(0, Long.MAX_VALUE)).isEmpty();
    assertThat(txnIndex(0)).doesNotExist();
  }

  static void delete(Path file) {
    try {
      Files.delete(file);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Test
  void truncatingBelowAnAbortMarkerForgetsTheAbortAndReopensTheTransaction() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now); // 0
    abort(7); // 1
    log.appendAsLeader(txn(8, 0, "k", "b"), 0, AppendOrigin.CLIENT, now); // 2
    abort(8); // 3
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(4);

    log.truncateTo(3);

    assertThat(log.lastStableOffset()).as("8 is open again").isEqualTo(2);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));
    assertThat(readByKafka(0)).containsExactly(new AbortedTxn(7, 0, 1, 2));
    assertThat(commit(8)).isEqualTo(3);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(4);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));

    log.truncateTo(1);

    assertThat(log.lastStableOffset()).as("7 is open again").isZero();
    assertThat(aborted(0, Long.MAX_VALUE)).isEmpty();
    assertThat(txnIndex(0)).doesNotExist();
  }

  @Test
  void truncatingAwayWholeSegmentsDeletesTheirTransactionIndexes() throws IOException {
    log = open(Map.of("segment.bytes", "1024"), true);
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now);
    abort(7);
    while (log.segmentCount() < 2) {
      log.appendAsLeader(records("filler"), 0, AppendOrigin.CLIENT, now);
    }
    long thirdBase = log.roll().baseOffset();
    log.appendAsLeader(txn(8, 0, "k", "b"), 0, AppendOrigin.CLIENT, now);
    abort(8);
    assertThat(txnIndex(thirdBase)).exists();

    log.truncateTo(thirdBase);

    assertThat(txnIndex(thirdBase)).doesNotExist();
    assertThat(readByKafka(0)).containsExactly(new AbortedTxn(7, 0, 1, 2));
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(7, 0));
  }

  /**
   * Producer 7 aborted in the first segment, producer 8 aborted at the start of the fourth and last
   * segment.
   *
   * @return the base offset of the last segment
   */
  long abortsInTheFirstAndLastSegments() throws IOException {
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now);
    abort(7);
    while (log.segmentCount() < 3) {
      log.appendAsLeader(records("filler"), 0, AppendOrigin.CLIENT, now);
    }
    long lastBase = log.roll().baseOffset();
    log.appendAsLeader(txn(8, 0, "k", "b"), 0, AppendOrigin.CLIENT, now);
    abort(8);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(txnIndex(0)).exists();
    assertThat(txnIndex(lastBase)).exists();
    return lastBase;
  }

  @Test
  void deleteRecordsDeletesTheTransactionIndexOfEachSegmentItDeletes() throws IOException {
    log = open(Map.of("segment.bytes", "1024"), true);
    long lastBase = abortsInTheFirstAndLastSegments();

    log.deleteRecordsBefore(lastBase);

    assertThat(log.segmentCount()).isOne();
    assertThat(txnIndex(0)).doesNotExist();
    assertThat(readByKafka(lastBase))
        .containsExactly(new AbortedTxn(8, lastBase, lastBase + 1, lastBase + 2));
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(8, lastBase));
    log.close();
    log = open(Map.of("segment.bytes", "1024"), true);
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(8, lastBase));
  }

  @Test
  void retentionDeletesTheTransactionIndexWithItsSegment() throws IOException {
    log = open(Map.of("segment.bytes", "1024", "retention.bytes", "1"), true);
    long lastBase = abortsInTheFirstAndLastSegments();

    assertThat(log.applyRetention(now)).isEqualTo(3);

    assertThat(log.logStartOffset()).isEqualTo(lastBase);
    assertThat(txnIndex(0)).doesNotExist();
    assertThat(aborted(0, Long.MAX_VALUE)).containsExactly(new Aborted(8, lastBase));
  }

  @Test
  void emptyingTheLogForgetsItsTransactions() throws IOException {
    log = open(Map.of(), true);
    abortedCommittedAndOpenTransactions();

    log.truncateFullyAndStartAt(100);

    assertThat(txnIndex(0)).doesNotExist();
    assertThat(aborted(0, Long.MAX_VALUE)).isEmpty();
    assertThat(log.lastStableOffset()).isEqualTo(100);
    log.close();
    log = open(Map.of(), true);
    assertThat(log.lastStableOffset()).isEqualTo(100);
    assertThat(aborted(0, Long.MAX_VALUE)).isEmpty();
  }

  @Test
  void theLastStableOffsetIsNeverBelowTheLogStart() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(txn(7, 0, "k", "open"), 0, AppendOrigin.CLIENT, now);
    for (int i = 0; i < 9; i++) {
      log.appendAsLeader(records("r" + i), 0, AppendOrigin.CLIENT, now);
    }
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isZero();

    log.deleteRecordsBefore(5);

    assertThat(log.lastStableOffset()).isEqualTo(5);
    commit(7);
    log.updateHighWatermark(log.logEndOffset());
    assertThat(log.lastStableOffset()).isEqualTo(11);
  }

  @Test
  void aMarkerForAnOlderProducerEpochOrFromAnOlderCoordinatorIsRefused() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(
        MemoryRecords.withTransactionalRecords(
            Compression.NONE, 7, (short) 3, 0, new SimpleRecord(now, "k".getBytes(), null)),
        0,
        AppendOrigin.CLIENT,
        now);
    log.appendMarker(7, (short) 3, 5, false, 0, now);
    log.appendAsLeader(
        MemoryRecords.withTransactionalRecords(
            Compression.NONE, 7, (short) 3, 1, new SimpleRecord(now, "k".getBytes(), null)),
        0,
        AppendOrigin.CLIENT,
        now);

    assertThatThrownBy(() -> log.appendMarker(7, (short) 2, 5, true, 0, now))
        .isInstanceOf(InvalidProducerEpochException.class);
    assertThatThrownBy(() -> log.appendMarker(7, (short) 3, 4, true, 0, now))
        .isInstanceOf(TransactionCoordinatorFencedException.class);
    assertThat(log.logEndOffset()).isEqualTo(3);
    assertThat(log.appendMarker(7, (short) 3, 5, true, 0, now).baseOffset()).isEqualTo(3);
  }

  @Test
  void aControlBatchFromAProducerIsRefused() throws IOException {
    log = open(Map.of(), true);
    log.appendAsLeader(txn(7, 0, "k", "a"), 0, AppendOrigin.CLIENT, now);
    MemoryRecords forged =
        MemoryRecords.withEndTransactionMarker(
            0L, now, 0, 7, (short) 0, new EndTransactionMarker(ControlRecordType.COMMIT, 0));

    assertThatThrownBy(() -> log.appendAsLeader(forged, 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("control batches");
    assertThat(log.logEndOffset()).isOne();
    log.updateHighWatermark(1);
    assertThat(log.lastStableOffset()).as("still open").isZero();
  }

  @Test
  void aTransactionalBatchWithoutAProducerIdIsRefused() throws IOException {
    log = open(Map.of(), true);
    ByteBuffer buffer = txn(7, 0, "k", "a").buffer();
    // Kafka's builder will not write this batch; patch the producer id out of a valid one.
    buffer.putLong(PRODUCER_ID_OFFSET, RecordBatch.NO_PRODUCER_ID);
    buffer.putInt(
        CRC_OFFSET,
        (int) Crc32C.compute(buffer, ATTRIBUTES_OFFSET, buffer.limit() - ATTRIBUTES_OFFSET));
    MemoryRecords noProducer = MemoryRecords.readableRecords(buffer);
    RecordBatch batch = noProducer.batches().iterator().next();
    batch.ensureValid();
    assertThat(batch.isTransactional()).isTrue();
    assertThat(batch.hasProducerId()).isFalse();

    assertThatThrownBy(() -> log.appendAsLeader(noProducer, 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("producer id");
    assertThat(log.logEndOffset()).isZero();
  }

  @Test
  void aClientBatchWithAProducerIdButNoSequenceIsInvalidAndNothingOfItsRequestIsAppended()
      throws IOException {
    log = open(Map.of(), true);
    MemoryRecords unnumbered =
        BatchWithoutSequence.of(
            0,
            7,
            (short) 0,
            false,
            new SimpleRecord(now, null, "b".getBytes(StandardCharsets.UTF_8)));

    assertThatThrownBy(() -> log.appendAsLeader(unnumbered, 0, AppendOrigin.CLIENT, now))
        .isInstanceOf(InvalidRecordException.class)
        .hasMessageContaining("Invalid sequence number -1 in record batch with producerId 7");
    assertThatThrownBy(
            () ->
                log.appendAsLeader(
                    concat(idempotent(7, 0, "a"), unnumbered), 0, AppendOrigin.CLIENT, now))
        .as("a valid batch before it in the same request")
        .isInstanceOf(InvalidRecordException.class);
    assertThat(log.logEndOffset()).isZero();
    assertThat(log.producers()).isEmpty();

    assertThat(log.appendAsLeader(idempotent(7, 0, "a"), 0, AppendOrigin.CLIENT, now).baseOffset())
        .as("the producer's numbered batches are appended as ever")
        .isZero();
  }

  @Test
  void aCoordinatorsBatchesAreAppendedWhateverTheirSequence() throws IOException {
    log = open(Map.of("cleanup.policy", "compact"), true);

    assertThat(
            log.appendAsLeader(txn(7, 0, "k", "v1"), 0, AppendOrigin.COORDINATOR, now).baseOffset())
        .isZero();
    PartitionLog.AppendResult again =
        log.appendAsLeader(txn(7, 0, "k", "v2"), 0, AppendOrigin.COORDINATOR, now);
    assertThat(again.duplicate())
        .as("sequence 0 again: the group coordinator's next offsets, not a retry")
        .isFalse();
    assertThat(again.baseOffset()).isOne();

    MemoryRecords unnumbered =
        BatchWithoutSequence.of(
            0,
            7,
            (short) 0,
            true,
            new SimpleRecord(
                now, "k".getBytes(StandardCharsets.UTF_8), "v3".getBytes(StandardCharsets.UTF_8)));
    assertThat(log.appendAsLeader(unnumbered, 0, AppendOrigin.COORDINATOR, now).baseOffset())
        .as("without a sequence, as an older mini-broker wrote transactional offsets")
        .isEqualTo(2);
  }

  /** The batches of {@code records} one after another, as one partition's data in a request. */
  static MemoryRecords concat(MemoryRecords... records) {
    int size = 0;
    for (MemoryRecords r : records) {
      size += r.sizeInBytes();
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    for (MemoryRecords r : records) {
      buffer.put(r.buffer());
    }
    return MemoryRecords.readableRecords(buffer.flip());
  }

  // Positions in a v2 batch header (Kafka's DefaultRecordBatch); the CRC covers from the
  // attributes.
  static final int CRC_OFFSET = 17;
  static final int ATTRIBUTES_OFFSET = 21;
  static final int PRODUCER_ID_OFFSET = 43;
}
