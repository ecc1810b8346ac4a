package dev.eventshop.broker.metadata;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Consumer;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * The cluster's source of truth for topics, partitions and leadership. A single node keeps it in a
 * file ({@link LocalMetadataStore}); a cluster keeps it in a replicated quorum. Changes are
 * validated here and announced to listeners as new {@link ClusterMetadata} snapshots.
 */
public interface MetadataStore extends AutoCloseable {

  ClusterMetadata current();

  /** Registers a listener called with every new snapshot, on the thread that made the change. */
  void addListener(Consumer<ClusterMetadata> listener);

  /**
   * Creates a topic.
   *
   * @throws org.apache.kafka.common.errors.TopicExistsException if it exists
   * @throws org.apache.kafka.common.errors.InvalidReplicationFactorException if there are fewer
   *     live brokers than replicas
   */
  ClusterMetadata.TopicInfo createTopic(
      String name,
      int partitions,
      short replicationFactor,
      Map<String, String> configs,
      boolean validateOnly);

  /** Deletes a topic; throws UnknownTopicOrPartitionException if it does not exist. */
  void deleteTopic(String name);

  /** Grows a topic to {@code totalPartitions} partitions. */
  void createPartitions(String name, int totalPartitions, boolean validateOnly);

  /** Replaces a topic's config overrides (already validated by the caller). */
  void setTopicConfigs(String name, Map<String, String> configs);

  /**
   * Replaces the dynamic configs of a broker (its id, or "" for the cluster-wide default; already
   * validated by the caller).
   */
  void setBrokerConfigs(String broker, Map<String, String> configs);

  /**
   * Sets finalized feature levels, by feature name (UpdateFeatures; already validated by the
   * caller). Returns once the change is in {@link #current()}; the features' epoch grows by one.
   */
  void setFeatureLevels(Map<String, Short> levels);

  /**
   * Asks the controller to change the in-sync replicas of a partition this broker leads in {@code
   * leaderEpoch}, as it knows the partition in {@code partitionEpoch}. Completes with the
   * controller's answer: {@link ApiError#NONE} once the change is committed to the metadata (and so
   * visible in {@link #current()}), else why it was refused (FENCED_LEADER_EPOCH when leadership
   * moved, INVALID_UPDATE_VERSION when the partition changed since, INELIGIBLE_REPLICA, ...).
   * Completes exceptionally when no answer came: the change may still be committed, later.
   */
  CompletableFuture<ApiError> alterIsr(
      TopicPartition partition, int leaderEpoch, int partitionEpoch, List<Integer> isr);

  /**
   * Elects leaders of {@code partitions} as an administrator asks (ElectLeaders): the preferred
   * replica, or with {@code unclean} any live replica of a leaderless partition. Returns, per
   * partition, NONE when it got the leader asked for, else why not (ELECTION_NOT_NEEDED,
   * PREFERRED_LEADER_NOT_AVAILABLE, ELIGIBLE_LEADERS_NOT_AVAILABLE, UNKNOWN_TOPIC_OR_PARTITION).
   */
  Map<TopicPartition, Errors> electLeaders(boolean unclean, Collection<TopicPartition> partitions);

  /**
   * Alters client quotas (AlterClientQuotas): per entity, quota key to value, a null value removing
   * the key. Returns, per entity, {@link ApiError#NONE} once the change is committed (with {@code
   * validateOnly}: would be), else why it was refused ({@link ClientQuotas#whyNot}).
   */
  Map<ClientQuotas.Entity, ApiError> alterClientQuotas(
      Map<ClientQuotas.Entity, Map<String, Double>> alterations, boolean validateOnly);

  /**
   * Moves partitions to new replicas (AlterPartitionReassignments): per partition the target
   * replicas, or empty to cancel its reassignment in progress. Returns, per partition, {@link
   * ApiError#NONE} once the change is committed, else why it was refused
   * (UNKNOWN_TOPIC_OR_PARTITION, INVALID_REPLICA_ASSIGNMENT, INVALID_REPLICATION_FACTOR,
   * NO_REASSIGNMENT_IN_PROGRESS). The move itself goes on in the background: see {@link
   * ClusterMetadata.PartitionInfo#isReassigning()}.
   */
  Map<TopicPartition, ApiError> alterPartitionReassignments(
      Map<TopicPartition, Optional<List<Integer>>> targets, boolean allowReplicationFactorChange);

  /**
   * Graceful shutdown of this broker: asks the controller to move leadership of its partitions to
   * other in-sync replicas and to fence it, waiting up to {@code timeout}. A single node has
   * nowhere to move leadership and returns at once.
   */
  void controlledShutdown(Duration timeout);

  @Override
  void close();
}
