package dev.eventshop.broker.server;

import dev.eventshop.broker.group.OffsetsTopic;
import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataStore;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.io.IOException;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.CoordinatorNotAvailableException;
import org.apache.kafka.common.errors.TopicExistsException;

/**
 * {@code __consumer_offsets} on this broker: created on first use with {@code
 * offsets.topic.num.partitions} partitions, {@code offsets.topic.replication.factor} replicas and
 * {@code cleanup.policy=compact}, as Kafka creates it.
 */
final class BrokerOffsetsTopic implements OffsetsTopic {

  private final MetadataStore metadata;
  private final Replicas replicas;
  private final int partitions;
  private final short replicationFactor;

  BrokerOffsetsTopic(
      MetadataStore metadata, Replicas replicas, int partitions, short replicationFactor) {
    this.metadata = metadata;
    this.replicas = replicas;
    this.partitions = partitions;
    this.replicationFactor = replicationFactor;
  }

  @Override
  public int partitionCount() {
    return metadata.current().topic(NAME).map(t -> t.partitions().size()).orElse(partitions);
  }

  @Override
  public boolean exists() {
    return metadata.current().topic(NAME).isPresent();
  }

  @Override
  public PartitionLog partition(int p) throws IOException {
    return replica(p).log();
  }

  @Override
  public int leaderEpoch(int p) {
    return replicas.get(new TopicPartition(NAME, p)).map(Partition::leaderEpoch).orElse(0);
  }

  private Partition replica(int p) {
    if (!exists()) {
      try {
        metadata.createTopic(
            NAME,
            partitions,
            replicationFactor,
            Map.of("cleanup.policy", "compact", "segment.bytes", "104857600"),
            false);
      } catch (TopicExistsException raced) {
        // another request created it first
      }
    }
    TopicInfo topic = metadata.current().topic(NAME).orElseThrow();
    return replicas
        .get(new TopicPartition(NAME, p % topic.partitions().size()))
        .orElseThrow(
            () ->
                new CoordinatorNotAvailableException(
                    "partition " + p + " of " + NAME + " is not hosted here"));
  }
}
