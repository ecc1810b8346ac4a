package dev.eventshop.broker.producer;

import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.DefaultRecordBatch;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.record.TimestampType;

/**
 * A v2 record batch with a producer id but base sequence {@link RecordBatch#NO_SEQUENCE}: what a
 * faulty client might send, and what mini-broker's group coordinator once wrote for transactional
 * offsets. Kafka's batch builder refuses to write one, so the batch is built with sequence 0 and
 * its header written again, CRC included, by Kafka's {@link DefaultRecordBatch#writeHeader}.
 */
public final class BatchWithoutSequence {

  private BatchWithoutSequence() {}

  public static MemoryRecords of(
      long offset, long producerId, short epoch, boolean transactional, SimpleRecord... records) {
    MemoryRecords numbered =
        MemoryRecords.withRecords(
            RecordBatch.MAGIC_VALUE_V2,
            offset,
            Compression.NONE,
            TimestampType.CREATE_TIME,
            producerId,
            epoch,
            0,
            RecordBatch.NO_PARTITION_LEADER_EPOCH,
            transactional,
            records);
    DefaultRecordBatch batch = (DefaultRecordBatch) numbered.batches().iterator().next();
    DefaultRecordBatch.writeHeader(
        numbered.buffer(),
        batch.baseOffset(),
        (int) (batch.lastOffset() - batch.baseOffset()),
        batch.sizeInBytes(),
        batch.magic(),
        batch.compressionType(),
        batch.timestampType(),
        batch.baseTimestamp(),
        batch.maxTimestamp(),
        producerId,
        epoch,
        RecordBatch.NO_SEQUENCE,
        transactional,
        false,
        false,
        batch.partitionLeaderEpoch(),
        batch.countOrNull());
    MemoryRecords unnumbered = MemoryRecords.readableRecords(numbered.buffer());
    unnumbered.batches().forEach(RecordBatch::ensureValid);
    return unnumbered;
  }
}
