package dev.eventshop.broker.group;

import dev.eventshop.broker.log.PartitionLog;
import java.io.IOException;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * The internal compacted topic {@code __consumer_offsets} as the group coordinator sees it: one log
 * per partition, where partition {@code p} holds the groups whose id hashes to {@code p}. The
 * broker implements this over its logs and replication; tests implement it over plain {@link
 * PartitionLog}s. Implementations must be thread-safe.
 */
public interface OffsetsTopic {

  String NAME = "__consumer_offsets";

  /** The number of partitions, {@code offsets.topic.num.partitions} when the topic was created. */
  int partitionCount();

  /** Whether the topic exists yet: listing groups must not create it. */
  boolean exists();

  /** The log of partition {@code p}, creating the topic first if it does not exist yet. */
  PartitionLog partition(int p) throws IOException;

  /**
   * Whether this broker leads partition {@code p}, so that it may coordinate its groups. A
   * partition this broker was never told it leads is loaded on first use only if this says so. The
   * default (true) is right for a single node.
   */
  default boolean isLocalLeader(int p) {
    return true;
  }

  /** The leader epoch this broker leads partition {@code p} in, stamped on appended batches. */
  int leaderEpoch(int p);

  /**
   * Appends the coordinator's records to partition {@code p} as leader. The future completes when
   * the records are committed, that is when the high watermark has passed them (acks=all).
   *
   * <p>This default is for a single replica, where committed means written locally. A replicated
   * broker overrides it to append through its partition replica and complete once the in-sync
   * replicas have the records.
   */
  default CompletableFuture<Void> append(int p, MemoryRecords records, long nowMs) {
    try {
      PartitionLog log = partition(p);
      PartitionLog.AppendResult result = log.appendAsLeader(records, leaderEpoch(p), nowMs);
      log.updateHighWatermark(result.lastOffset() + 1);
      return CompletableFuture.completedFuture(null);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }
}
