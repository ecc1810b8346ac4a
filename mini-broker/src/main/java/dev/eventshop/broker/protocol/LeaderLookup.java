package dev.eventshop.broker.protocol;

import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.util.function.Supplier;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * The check every partition-level request to a leader starts with: is the partition hosted here,
 * does this broker lead it, and is the client's leader epoch the current one (KIP-320)? Requests
 * any replica may answer only ask whether it is hosted here. An older epoch is FENCED_LEADER_EPOCH
 * (the client must refresh metadata), a newer one UNKNOWN_LEADER_EPOCH (this broker has not caught
 * up with the metadata yet).
 */
final class LeaderLookup {

  /** The partition to serve, or the error to answer with (exactly one of them is set). */
  record Result(Partition partition, Errors error) {}

  private final Replicas replicas;
  private final Supplier<ClusterMetadata> metadata;

  LeaderLookup(Replicas replicas, Supplier<ClusterMetadata> metadata) {
    this.replicas = replicas;
    this.metadata = metadata;
  }

  /**
   * @param currentLeaderEpoch the client's leader epoch, or -1 when it did not send one
   */
  Result leaderFor(TopicPartition tp, int currentLeaderEpoch) {
    Result hosted = replicaFor(tp);
    Partition partition = hosted.partition();
    if (partition == null) {
      return hosted;
    }
    if (!partition.isLeader()) {
      return new Result(null, Errors.NOT_LEADER_OR_FOLLOWER);
    }
    if (currentLeaderEpoch >= 0 && currentLeaderEpoch != partition.leaderEpoch()) {
      return new Result(
          null,
          currentLeaderEpoch < partition.leaderEpoch()
              ? Errors.FENCED_LEADER_EPOCH
              : Errors.UNKNOWN_LEADER_EPOCH);
    }
    return new Result(partition, Errors.NONE);
  }

  /** The partition's replica on this broker, leader or follower. */
  Result replicaFor(TopicPartition tp) {
    Partition partition = replicas.get(tp).orElse(null);
    if (partition == null) {
      boolean known = metadata.get().partition(tp).isPresent();
      return new Result(
          null, known ? Errors.NOT_LEADER_OR_FOLLOWER : Errors.UNKNOWN_TOPIC_OR_PARTITION);
    }
    return new Result(partition, Errors.NONE);
  }
}
