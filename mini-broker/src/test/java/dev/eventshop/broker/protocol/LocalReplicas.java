package dev.eventshop.broker.protocol;

import dev.eventshop.broker.log.LogConfig;
import dev.eventshop.broker.log.LogStore;
import dev.eventshop.broker.metadata.ClusterMetadata;
import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.Endpoint;
import dev.eventshop.broker.quota.ReplicationThrottles;
import dev.eventshop.broker.replication.Partition;
import dev.eventshop.broker.replication.Replicas;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.common.TopicPartition;

/**
 * The replicas of broker 1 over real logs in a directory, for handler tests: the test sets the
 * cluster metadata ({@link #apply}) that says which partitions it hosts and leads.
 */
final class LocalReplicas implements AutoCloseable {

  final ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
  final LogStore logStore;
  final Replicas replicas;
  volatile ClusterMetadata metadata;

  LocalReplicas(Path dir) throws Exception {
    logStore = new LogStore(List.of(dir), scheduler, 60_000, 15_000, 86_400_000, 600_000);
    replicas =
        new Replicas(
            1,
            logStore,
            overrides -> LogConfig.of(Map.of(), overrides),
            tp -> {},
            Partition.IsrChanger.NONE,
            "PLAINTEXT",
            scheduler,
            30_000,
            new ReplicationThrottles(1, () -> metadata).follower());
  }

  /** The cluster as the metadata now says it is; the replicas follow it. */
  void apply(ClusterMetadata metadata) {
    this.metadata = metadata;
    replicas.apply(metadata);
  }

  Partition partition(TopicPartition tp) {
    return replicas.get(tp).orElseThrow();
  }

  static BrokerInfo broker(int id) {
    return new BrokerInfo(id, List.of(new Endpoint("PLAINTEXT", "127.0.0.1", 9090 + id)), false);
  }

  @Override
  public void close() throws Exception {
    replicas.close();
    logStore.close();
    scheduler.shutdownNow();
    scheduler.awaitTermination(5, TimeUnit.SECONDS);
  }
}
