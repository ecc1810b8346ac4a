package dev.eventshop.broker.replication;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.LogStore;
import dev.eventshop.broker.log.PartitionLog;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import java.util.HashSet;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import java.util.function.Function;
import org.apache.kafka.common.TopicPartition;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The partition replicas this broker hosts, kept in step with the cluster metadata: a replica is
 * opened when a topic assigns one to this broker, its leadership follows the metadata, and it is
 * deleted with its topic. Thread-safe.
 */
public final class Replicas implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(Replicas.class);

  private final int localBrokerId;
  private final LogStore logStore;
  private final Function<Map<String, String>, LogConfig> logConfigOf;
  private final Consumer<TopicPartition> onHighWatermarkChange;
  private final Map<TopicPartition, Partition> partitions = new ConcurrentHashMap<>();

  /**
   * @param logConfigOf turns a topic's config overrides into its effective log config
   * @param onHighWatermarkChange told whenever a partition's high watermark moves (wakes fetches)
   */
  public Replicas(
      int localBrokerId,
      LogStore logStore,
      Function<Map<String, String>, LogConfig> logConfigOf,
      Consumer<TopicPartition> onHighWatermarkChange) {
    this.localBrokerId = localBrokerId;
    this.logStore = logStore;
    this.logConfigOf = logConfigOf;
    this.onHighWatermarkChange = onHighWatermarkChange;
  }

  /** Brings the hosted replicas in line with {@code metadata}. */
  public synchronized void apply(ClusterMetadata metadata) {
    Set<TopicPartition> wanted = new HashSet<>();
    for (TopicInfo topic : metadata.topics().values()) {
      LogConfig config = logConfigOf.apply(topic.configs());
      for (PartitionInfo info : topic.partitions()) {
        if (!info.replicas().contains(localBrokerId)) {
          continue;
        }
        TopicPartition tp = new TopicPartition(topic.name(), info.partition());
        wanted.add(tp);
        Partition partition = partitions.get(tp);
        if (partition != null && !partition.topicId().equals(topic.id())) {
          remove(tp); // same name, new topic
          partition = null;
        }
        if (partition == null) {
          PartitionLog partitionLog = logStore.getOrCreate(tp, topic.id(), config);
          partition =
              new Partition(tp, topic.id(), partitionLog, localBrokerId, onHighWatermarkChange);
          partitions.put(tp, partition);
        } else {
          partition.log().updateConfig(config);
        }
        partition.update(info.leader(), info.leaderEpoch(), info.replicas(), info.isr());
      }
    }
    for (TopicPartition tp : Set.copyOf(partitions.keySet())) {
      if (!wanted.contains(tp)) {
        remove(tp);
      }
    }
  }

  private void remove(TopicPartition tp) {
    Partition removed = partitions.remove(tp);
    if (removed != null) {
      removed.stop();
      logStore.delete(tp);
      log.info("{}: replica deleted", tp);
    }
  }

  public Optional<Partition> get(TopicPartition tp) {
    return Optional.ofNullable(partitions.get(tp));
  }

  public Map<TopicPartition, Partition> all() {
    return Map.copyOf(partitions);
  }

  @Override
  public synchronized void close() {
    partitions.values().forEach(Partition::stop);
    partitions.clear();
    logStore.close();
  }
}
