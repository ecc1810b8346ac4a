package dev.eventshop.broker.server;

import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.log.AppendOrigin;
import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.io.IOException;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.TopicExistsException;
import org.apache.kafka.common.record.MemoryRecords;

/**
 * A coordinator's internal topic on this broker ({@code __consumer_offsets}, {@code
 * __transaction_state}): created on first use with the configured partitions, replicas and topic
 * configs ({@code cleanup.policy=compact} among them), as Kafka creates them.
 */
final class BrokerCoordinatorTopic implements CoordinatorTopic {

  private final String name;
  private final MetadataStore metadata;
  private final Replicas replicas;
  private final int partitions;
  private final short replicationFactor;
  private final Map<String, String> configs;

  BrokerCoordinatorTopic(
      String name,
      MetadataStore metadata,
      Replicas replicas,
      int partitions,
      short replicationFactor,
      Map<String, String> configs) {
    this.name = name;
    this.metadata = metadata;
    this.replicas = replicas;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
    this.configs = Map.copyOf(configs);
  }

  /** Whether {@code tp} is a partition of this topic. */
  boolean holds(TopicPartition tp) {
    return tp.topic().equals(name);
  }

  @Override
  public int partitionCount() {
    return metadata.current().topic(name).map(t -> t.partitions().size()).orElse(partitions);
  }

  @Override
  public boolean exists() {
    return metadata.current().topic(name).isPresent();
  }

  @Override
  public PartitionLog partition(int p) throws IOException {
    return replica(p).log();
  }

  /** Before the topic exists, the first request creates it; after, only its leader serves it. */
  @Override
  public boolean isLocalLeader(int p) {
    return !exists()
        || replicas.get(new TopicPartition(name, p)).map(Partition::isLeader).orElse(false);
  }

  @Override
  public int leaderEpoch(int p) {
    return replicas.get(new TopicPartition(name, p)).map(Partition::leaderEpoch).orElse(0);
  }

  /** Appends through the partition replica: committed once every in-sync replica has it. */
  @Override
  public CompletableFuture<Void> append(int p, MemoryRecords records, long nowMs) {
    try {
      Partition partition = replica(p);
      return partition
          .appendAsLeader(
              records,
              AppendOrigin.COORDINATOR,
              (short) -1,
              partition.log().config().minInsyncReplicas(),
              nowMs)
          .thenApply(result -> null);
    } catch (IOException | RuntimeException e) {
      return CompletableFuture.failedFuture(e);
    }
  }

  /**
   * The broker leading partition {@code p}, at its endpoint on {@code listenerName}, creating the
   * topic first if needed.
   */
  Optional<Node> leaderOf(int p, String listenerName) {
    ensureExists();
    ClusterMetadata cluster = metadata.current();
    return cluster
        .partition(new TopicPartition(name, p))
        .flatMap(info -> cluster.liveNode(info.leader(), listenerName));
  }

  private void ensureExists() {
    if (!exists()) {
      try {
        metadata.createTopic(name, partitions, replicationFactor, configs, false);
      } catch (TopicExistsException raced) {
        // another request created it first
      }
    }
  }

  private Partition replica(int p) {
    ensureExists();
    TopicInfo topic = metadata.current().topic(name).orElseThrow();
    return replicas
        .get(new TopicPartition(name, p % topic.partitions().size()))
        .orElseThrow(
            () ->
                new CoordinatorNotAvailableException(
                    "partition " + p + " of " + name + " is not hosted here"));
  }
}
