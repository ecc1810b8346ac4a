package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.group.OffsetsTopicFormat.Entry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import java.io.IOException;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.compress.Compression;
import org.apache.kafka.common.record.ControlRecordType;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.Record;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Writes group metadata and offsets to {@code __consumer_offsets} and replays a partition to
 * rebuild them. Each write is one uncompressed v2 batch, so all records of one OffsetCommit (or one
 * group deletion) become visible together; a TxnOffsetCommit's batch is transactional, written for
 * the client's producer id and epoch, and its records count only once the transaction coordinator's
 * COMMIT marker follows them in the log.
 *
 * <p>Thread-safe: appends are serialized by the partition's log. {@link CoordinatorTopic#append}
 * writes to the leader's log before it returns (only the commit is awaited), so appends that one
 * group issues one after another under its lock land in the log in that order.
 */
final class GroupStore {

  private static final Logger log = LoggerFactory.getLogger(GroupStore.class);

  /** What a replay of a partition hands over, in log order. */
  interface Replay {
    /**
     * One record of a data batch.
     *
     * @param batchOffset the base offset of the batch that holds it
     * @param producerId the producer whose transaction wrote it, or {@link
     *     RecordBatch#NO_PRODUCER_ID} for a record outside transactions
     */
    void record(Entry entry, long batchOffset, long producerId);

    /** The transaction coordinator's COMMIT or ABORT marker for {@code producerId}. */
    void marker(long producerId, boolean commit);
  }

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
   * Where the next append to partition {@code p} lands at the earliest: its log end offset. Read
   * under a group's lock just before appending the group's records, it is at most their offset and
   * greater than the offset of every record the group appended before, which is all that comparing
   * the positions of a group's records needs ({@link StoredOffset}).
   */
  long nextOffset(int p) throws IOException {
    return topic.partition(p).logEndOffset();
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
    return append(
        partition,
        MemoryRecords.withRecords(Compression.NONE, records.toArray(new SimpleRecord[0])),
        nowMs);
  }

  /**
   * Appends {@code records} as one transactional batch of {@code producerId} in {@code
   * producerEpoch}, like {@link #append(int, List, long)}. The batch has base sequence 0, as
   * Kafka's group coordinator writes it: the sequence means nothing here, since the log checks a
   * coordinator's batch only for the producer's epoch (an older one is refused with
   * INVALID_PRODUCER_EPOCH) and never takes it for a retry ({@link
   * dev.eventshop.broker.log.AppendOrigin#COORDINATOR}).
   */
  CompletableFuture<Void> appendTransactional(
      int partition, long producerId, short producerEpoch, List<SimpleRecord> records, long nowMs) {
    return append(
        partition,
        MemoryRecords.withTransactionalRecords(
            Compression.NONE, producerId, producerEpoch, 0, records.toArray(new SimpleRecord[0])),
        nowMs);
  }

  private CompletableFuture<Void> append(int partition, MemoryRecords batch, long nowMs) {
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
   * Replays partition {@code p} from its log start to its log end, handing each record and each
   * transaction marker to {@code replay} in log order. Records this broker cannot decode are logged
   * and skipped.
   */
  void load(int p, Replay replay) throws IOException {
    int[] records = {0};
    long end =
        topic.replay(
            p,
            batch -> {
              if (batch.isControlBatch()) {
                marker(batch, replay);
                return;
              }
              long producerId =
                  batch.isTransactional() ? batch.producerId() : RecordBatch.NO_PRODUCER_ID;
              for (Record record : batch) {
                if (!record.hasKey()) {
                  continue;
                }
                Entry entry;
                try {
                  entry = OffsetsTopicFormat.decode(record.key(), record.value());
                } catch (RuntimeException e) {
                  log.warn(
                      "{}-{}: skipping the record at offset {} that cannot be decoded: {}",
                      OffsetsTopic.NAME,
                      p,
                      record.offset(),
                      e.toString());
                  continue;
                }
                replay.record(entry, batch.baseOffset(), producerId);
                records[0]++;
              }
            });
    log.debug("{}-{}: replayed {} records up to offset {}", OffsetsTopic.NAME, p, records[0], end);
  }

  /** A control batch holds one control record; only COMMIT and ABORT end a transaction. */
  private static void marker(RecordBatch batch, Replay replay) {
    Iterator<Record> records = batch.iterator();
    if (!records.hasNext()) {
      return;
    }
    Record record = records.next();
    ControlRecordType type =
        record.hasKey() ? ControlRecordType.parse(record.key()) : ControlRecordType.UNKNOWN;
    if (type == ControlRecordType.COMMIT || type == ControlRecordType.ABORT) {
      replay.marker(batch.producerId(), type == ControlRecordType.COMMIT);
    }
  }
}
