package dev.eventshop.broker.log;

import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.InvalidRecordException;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.errors.InvalidTimestampException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.MemoryRecordsBuilder;
import org.apache.kafka.common.record.MutableRecordBatch;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.TimestampType;
import org.apache.kafka.common.utils.BufferSupplier;
import org.apache.kafka.common.utils.CloseableIterator;

/**
 * What a leader checks and changes in a producer's batches before it assigns offsets: the format,
 * size, CRC and record count; no control batches (only the coordinator writes markers); a sequence
 * number on a client's batch that has a producer id; keys on compacted topics; timestamps within
 * {@code message.timestamp.before/after.max.ms} of the broker's clock; and, when the topic's {@code
 * compression.type} is not {@code producer}, the batches rewritten with the topic's compression, as
 * Kafka does. Followers store the leader's batches as they are.
 */
final class LeaderBatches {

  private LeaderBatches() {}

  /**
   * The batches of a produce request, validated.
   *
   * @throws org.apache.kafka.common.KafkaException subclasses that map to the protocol's error
   *     codes
   */
  static List<MutableRecordBatch> validate(
      MemoryRecords records, LogConfig cfg, AppendOrigin origin, long nowMs) {
    List<MutableRecordBatch> batches = new ArrayList<>();
    for (MutableRecordBatch batch : records.batches()) {
      validate(batch, cfg, origin, nowMs);
      batches.add(batch);
    }
    return batches;
  }

  private static void validate(
      MutableRecordBatch batch, LogConfig cfg, AppendOrigin origin, long nowMs) {
    if (batch.magic() < RecordBatch.MAGIC_VALUE_V2) {
      throw new InvalidRecordException(
          "record batch format v" + batch.magic() + " is not supported; use v2");
    }
    checkSize(batch, cfg);
    batch.ensureValid();
    Integer count = batch.countOrNull();
    if (count == null || count <= 0 || count != batch.lastOffset() - batch.baseOffset() + 1) {
      throw new InvalidRecordException(
          "record count %s does not match the batch's offset range %d..%d"
              .formatted(count, batch.baseOffset(), batch.lastOffset()));
    }
    if (batch.isControlBatch()) {
      throw new InvalidRecordException(
          "control batches are written by the transaction coordinator, not by producers");
    }
    if (batch.isTransactional() && !batch.hasProducerId()) {
      throw new InvalidRecordException("a transactional batch needs a producer id");
    }
    if (origin == AppendOrigin.CLIENT && batch.hasProducerId() && batch.baseSequence() < 0) {
      // Kafka's LogValidator refuses it in the same words: without a sequence, a retry could not
      // be told from a new batch. A coordinator's batches are not checked (see AppendOrigin).
      throw new InvalidRecordException(
          ("Invalid sequence number %d in record batch with producerId %d: an idempotent or"
                  + " transactional producer numbers its batches from 0")
              .formatted(batch.baseSequence(), batch.producerId()));
    }
    boolean checkEachTimestamp =
        !cfg.logAppendTime() && cfg.timestampBeforeMaxMs() != Long.MAX_VALUE;
    if (!cfg.logAppendTime()) {
      // The newest timestamp decides "after"; only a finite "before" needs every record.
      checkTimestamp(batch.maxTimestamp(), batch.lastOffset(), cfg, nowMs);
    }
    if (cfg.compact() || checkEachTimestamp) {
      try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
        while (it.hasNext()) {
          Record record = it.next();
          if (cfg.compact() && !record.hasKey()) {
            throw new InvalidRecordException(
                "a compacted topic cannot accept a record without a key");
          }
          if (checkEachTimestamp) {
            checkTimestamp(record.timestamp(), record.offset(), cfg, nowMs);
          }
        }
      }
    }
  }

  private static void checkTimestamp(long timestamp, long offset, LogConfig cfg, long nowMs) {
    if (timestamp == RecordBatch.NO_TIMESTAMP) {
      return;
    }
    if (nowMs - timestamp > cfg.timestampBeforeMaxMs()
        || timestamp - nowMs > cfg.timestampAfterMaxMs()) {
      throw new InvalidTimestampException(
          ("timestamp %d of the record at relative offset %d is out of range: it must be within"
                  + " message.timestamp.before.max.ms=%d before and"
                  + " message.timestamp.after.max.ms=%d after the broker's time %d")
              .formatted(
                  timestamp, offset, cfg.timestampBeforeMaxMs(), cfg.timestampAfterMaxMs(), nowMs));
    }
  }

  private static void checkSize(RecordBatch batch, LogConfig cfg) {
    if (batch.sizeInBytes() > cfg.maxMessageBytes()) {
      throw new RecordTooLargeException(
          "the batch of %d bytes exceeds max.message.bytes %d"
              .formatted(batch.sizeInBytes(), cfg.maxMessageBytes()));
    }
  }

  /**
   * The records as the topic stores them: unchanged with {@code compression.type=producer} or when
   * every batch already has the topic's compression, else every batch rewritten with it, keeping
   * its records' offsets, timestamps, keys, values and headers and its producer id, epoch and
   * sequence.
   */
  static MemoryRecords withTopicCompression(
      MemoryRecords records, List<MutableRecordBatch> batches, LogConfig cfg) {
    Compression target = cfg.compression();
    if (target == null || batches.stream().allMatch(b -> b.compressionType() == target.type())) {
      return records;
    }
    List<ByteBuffer> rewrittenBatches = new ArrayList<>();
    int size = 0;
    for (MutableRecordBatch batch : batches) {
      MemoryRecordsBuilder builder =
          MemoryRecords.builder(
              ByteBuffer.allocate(batch.sizeInBytes()),
              RecordBatch.MAGIC_VALUE_V2,
              target,
              batch.timestampType() == TimestampType.NO_TIMESTAMP_TYPE
                  ? TimestampType.CREATE_TIME
                  : batch.timestampType(),
              batch.baseOffset(),
              RecordBatch.NO_TIMESTAMP,
              batch.producerId(),
              batch.producerEpoch(),
              batch.baseSequence(),
              batch.isTransactional(),
              false,
              batch.partitionLeaderEpoch());
      try (CloseableIterator<Record> it = batch.streamingIterator(BufferSupplier.NO_CACHING)) {
        while (it.hasNext()) {
          Record record = it.next();
          builder.appendWithOffset(record.offset(), record);
        }
      }
      ByteBuffer rewritten = builder.build().buffer();
      rewrittenBatches.add(rewritten);
      size += rewritten.remaining();
    }
    ByteBuffer buffer = ByteBuffer.allocate(size);
    rewrittenBatches.forEach(buffer::put);
    buffer.flip();
    MemoryRecords rewritten = MemoryRecords.readableRecords(buffer);
    rewritten.batches().forEach(batch -> checkSize(batch, cfg));
    return rewritten;
  }
}
