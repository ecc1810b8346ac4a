package dev.eventshop.broker.coordinator;

import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.record.MemoryRecords;
import org.apache.kafka.common.record.RecordBatch;

/**
 * An internal compacted topic a coordinator keeps its state in ({@code __consumer_offsets} for the
 * group coordinator, {@code __transaction_state} for the transaction coordinator): one log per
 * partition, where partition {@code p} holds the keys that hash to {@code p}, and the broker that
 * leads {@code p} coordinates them. The broker implements this over its logs and replication; tests
 * implement it over plain {@link PartitionLog}s. Implementations must be thread-safe.
 */
public interface CoordinatorTopic {

  /** How much one read of a partition copies onto the heap while replaying it. */
  int REPLAY_READ_BYTES = 1024 * 1024;

  /** The number of partitions, from the broker's configuration when the topic was created. */
  int partitionCount();

  /** Whether the topic exists yet: listing what it holds must not create it. */
  boolean exists();

  /** The log of partition {@code p}, creating the topic first if it does not exist yet. */
  PartitionLog partition(int p) throws IOException;

  /**
   * Whether this broker leads partition {@code p}, so that it may coordinate its keys. A partition
   * this broker was never told it leads is loaded on first use only if this says so. The default
   * (true) is right for a single node.
   */
  default boolean isLocalLeader(int p) {
    return true;
  }

  /** The leader epoch this broker leads partition {@code p} in, stamped on appended batches. */
  int leaderEpoch(int p);

  /**
   * Appends the coordinator's records to partition {@code p} as leader ({@link
   * AppendOrigin#COORDINATOR}). The future completes when the records are committed, that is when
   * the high watermark has passed them (acks=all).
   *
   * <p>This default is for a single replica, where committed means written locally. A replicated
   * broker overrides it to append through its partition replica and complete once the in-sync
   * replicas have the records.
   */
  default CompletableFuture<Void> append(int p, MemoryRecords records, long nowMs) {
    try {
      PartitionLog log = partition(p);
      PartitionLog.AppendResult result =
          log.appendAsLeader(records, leaderEpoch(p), AppendOrigin.COORDINATOR, nowMs);
      log.updateHighWatermark(result.lastOffset() + 1);
      return CompletableFuture.completedFuture(null);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * Replays partition {@code p} from its log start to its log end, handing each batch to {@code
   * visitor} in log order. To its end, not its high watermark: this broker replays when it has just
   * become the partition's leader, when its high watermark may still trail the old leader's by the
   * records the old leader acknowledged last; as leader, its log is the partition's log.
   *
   * @return the offset replayed up to
   */
  default long replay(int p, Consumer<RecordBatch> visitor) throws IOException {
    PartitionLog partitionLog = partition(p);
    long offset = partitionLog.logStartOffset();
    long end = partitionLog.logEndOffset();
    while (offset < end) {
      MemoryRecords chunk = partitionLog.readRecords(offset, REPLAY_READ_BYTES, end);
      long next = offset;
      for (RecordBatch batch : chunk.batches()) {
        if (batch.lastOffset() >= offset) {
          visitor.accept(batch);
        }
        next = Math.max(next, batch.nextOffset());
      }
      if (next <= offset) {
        break; // nothing readable below the end: never loop forever
      }
      offset = next;
    }
    return end;
  }
}
