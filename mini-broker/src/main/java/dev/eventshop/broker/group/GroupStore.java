package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.group.OffsetsTopicFormat.Entry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes group metadata and committed offsets to {@code __consumer_offsets} and replays a partition
 * to rebuild them. Each write is one uncompressed v2 batch, so all records of one OffsetCommit (or
 * one group deletion) become visible together. Thread-safe: appends are serialized by the
 * partition's log.
 */
final class GroupStore {

  private static final Logger log = LoggerFactory.getLogger(GroupStore.class);

  /** How much one read of a partition copies onto the heap while loading. */
  static final int LOAD_READ_BYTES = 1024 * 1024;

  private final CoordinatorTopic topic;
  private final CoordinatorTimer timer;

  GroupStore(CoordinatorTopic topic, CoordinatorTimer timer) {
    this.topic = topic;
    this.timer = timer;
  }

  static SimpleRecord offsetRecord(
      String groupId, TopicPartition tp, CommittedOffset value, long nowMs) {
    return new SimpleRecord(
        nowMs,
        OffsetsTopicFormat.offsetKey(groupId, tp),
        value == null ? null : OffsetsTopicFormat.offsetValue(value));
  }

  static SimpleRecord groupRecord(String groupId, GroupSnapshot value, long nowMs) {
    return new SimpleRecord(
        nowMs,
        OffsetsTopicFormat.groupKey(groupId),
        value == null ? null : OffsetsTopicFormat.groupValue(value));
  }

  /**
   * Appends {@code records} to one partition; completes when they are committed. Callers hold a
   * group lock, and replication completes a delayed append while holding the partition's lock, so a
   * late completion is handed to the timer's thread: callbacks never run under the partition lock,
   * and the two locks are never taken in opposite orders.
   */
  CompletableFuture<Void> append(int partition, List<SimpleRecord> records, long nowMs) {
    if (records.isEmpty()) {
      return CompletableFuture.completedFuture(null);
    }
    MemoryRecords batch =
        MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0]));
    CompletableFuture<Void> appended = topic.append(partition, batch, nowMs);
    if (appended.isDone()) {
      return appended;
    }
    CompletableFuture<Void> result = new CompletableFuture<>();
    appended.whenComplete(
        (ok, error) ->
            timer.schedule(
                0,
                () -> {
                  if (error != null) {
                    result.completeExceptionally(error);
                  } else {
                    result.complete(null);
                  }
                }));
    return result;
  }

  /**
   * Replays partition {@code p} from its log start to its high watermark, handing each record to
   * {@code visitor} in log order. Records this broker cannot decode are logged and skipped.
   */
  void load(int p, Consumer<Entry> visitor) throws IOException {
    PartitionLog partitionLog = topic.partition(p);
    long offset = partitionLog.logStartOffset();
    long end = partitionLog.highWatermark();
    int records = 0;
    while (offset < end) {
      MemoryRecords chunk = partitionLog.readRecords(offset, LOAD_READ_BYTES, end);
      long next = offset;
      for (RecordBatch batch : chunk.batches()) {
        for (Record record : batch) {
          if (record.offset() < offset || !record.hasKey()) {
            continue;
          }
          try {
            visitor.accept(OffsetsTopicFormat.decode(record.key(), record.value()));
            records++;
          } catch (RuntimeException e) {
            log.warn(
                "{}-{}: skipping the record at offset {} that cannot be decoded: {}",
                OffsetsTopic.NAME,
                p,
                record.offset(),
                e.toString());
          }
        }
        next = Math.max(next, batch.nextOffset());
      }
      if (next <= offset) {
        break; // nothing readable below the high watermark: never loop forever
      }
      offset = next;
    }
    log.debug("{}-{}: replayed {} records up to offset {}", OffsetsTopic.NAME, p, records, end);
  }
}
