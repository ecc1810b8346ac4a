package dev.eventshop.broker.metadata;

import static dev.eventshop.broker.metadata.MetadataCodec.writeInts;
import static dev.eventshop.broker.metadata.MetadataCodec.writeMap;
import static dev.eventshop.broker.metadata.MetadataCodec.writeString;
import static dev.eventshop.broker.metadata.MetadataCodec.writeUuid;

import java.io.DataOutput;
import java.io.IOException;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;

/**
 * The closed set of changes written to the metadata quorum's Raft log. Each command is an intent;
 * {@link MetadataApplier} turns it into the next {@link ClusterMetadata} on every node alike, so a
 * command carries every input that is not already in the replicated state (random ids, random
 * assignment offsets, the unclean election setting). Applying never reads clocks or local config.
 *
 * <p>Each command states how it applies (delegating to {@link MetadataApplier}) and how it is
 * written ({@link MetadataCodec} reads it back by its type byte, which never changes meaning).
 */
sealed interface MetadataCommand {

  /**
   * The state after this command.
   *
   * @throws org.apache.kafka.common.errors.ApiException if the command is rejected
   */
  ClusterMetadata applyTo(ClusterMetadata state);

  /** Writes the type byte and the fields. */
  void writeTo(DataOutput out) throws IOException;

  byte INIT_CLUSTER = 1;
  byte REGISTER_BROKER = 2;
  byte FENCE_BROKER = 3;
  byte CREATE_TOPIC = 4;
  byte DELETE_TOPIC = 5;
  byte CREATE_PARTITIONS = 6;
  byte SET_TOPIC_CONFIGS = 7;
  byte ALTER_ISR = 8;
  byte ELECT_LEADERS = 9;
  byte ELECT_PARTITION_LEADERS = 10;
  byte ALTER_PARTITION_REASSIGNMENTS = 11;
  byte ALTER_CLIENT_QUOTAS = 12;
  byte SET_BROKER_CONFIGS = 13;
  byte SET_FEATURE_LEVELS = 14;

  /** Sets the cluster id once; later ones are ignored. Proposed by the first controller. */
  record InitCluster(String clusterId) implements MetadataCommand {
    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.initCluster(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(INIT_CLUSTER);
      writeString(out, clusterId);
    }
  }

  /**
   * A broker (re)joins with its advertised address and is unfenced. A registration while the broker
   * is still unfenced is a restart: its old incarnation is fenced first, so it leaves every ISR and
   * leads nothing until it has caught up again.
   */
  record RegisterBroker(int brokerId, List<ClusterMetadata.Endpoint> endpoints)
      implements MetadataCommand {
    public RegisterBroker {
      endpoints = List.copyOf(endpoints);
    }

    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.registerBroker(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(REGISTER_BROKER);
      out.writeInt(brokerId);
      MetadataCodec.writeEndpoints(out, endpoints);
    }
  }

  /**
   * Fences a broker (session expired, or controlled shutdown): partitions it led get a new leader
   * from the ISR with a bumped leader epoch, and it leaves every ISR unless it is the last member.
   */
  record FenceBroker(int brokerId, boolean controlledShutdown, boolean uncleanLeaderElection)
      implements MetadataCommand {
    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.fenceBroker(state, brokerId, uncleanLeaderElection);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(FENCE_BROKER);
      out.writeInt(brokerId);
      out.writeBoolean(controlledShutdown);
      out.writeBoolean(uncleanLeaderElection);
    }
  }

  /**
   * Creates a topic over the live brokers. {@code startIndex} and {@code shift} seed the
   * round-robin replica assignment (chosen at random by the proposer, as Kafka does).
   */
  record CreateTopic(
      String name,
      Uuid topicId,
      int partitions,
      short replicationFactor,
      Map<String, String> configs,
      int startIndex,
      int shift,
      boolean partitionEpochs)
      implements MetadataCommand {

    /** A command of this format version: its partitions count their partition epochs. */
    CreateTopic(
        String name,
        Uuid topicId,
        int partitions,
        short replicationFactor,
        Map<String, String> configs,
        int startIndex,
        int shift) {
      this(name, topicId, partitions, replicationFactor, configs, startIndex, shift, true);
    }

    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.createTopic(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(CREATE_TOPIC);
      writeString(out, name);
      writeUuid(out, topicId);
      out.writeInt(partitions);
      out.writeShort(replicationFactor);
      writeMap(out, configs);
      out.writeInt(startIndex);
      out.writeInt(shift);
    }
  }

  record DeleteTopic(String name) implements MetadataCommand {
    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.deleteTopic(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(DELETE_TOPIC);
      writeString(out, name);
    }
  }

  /** Grows a topic to {@code totalPartitions}, assigning new partitions like CreateTopic. */
  record CreatePartitions(
      String name, int totalPartitions, int startIndex, int shift, boolean partitionEpochs)
      implements MetadataCommand {

    /** A command of this format version: its partitions count their partition epochs. */
    CreatePartitions(String name, int totalPartitions, int startIndex, int shift) {
      this(name, totalPartitions, startIndex, shift, true);
    }

    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.createPartitions(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(CREATE_PARTITIONS);
      writeString(out, name);
      out.writeInt(totalPartitions);
      out.writeInt(startIndex);
      out.writeInt(shift);
    }
  }

  record SetTopicConfigs(String name, Map<String, String> configs) implements MetadataCommand {
    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.setTopicConfigs(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(SET_TOPIC_CONFIGS);
      writeString(out, name);
      writeMap(out, configs);
    }
  }

  /**
   * The partition leader's request to change the ISR, valid only in its current leader epoch and
   * partition epoch (the partition has not changed since it was asked; not checked when {@link
   * ClusterMetadata.PartitionInfo#UNKNOWN_PARTITION_EPOCH}, as in commands logged before partition
   * epochs).
   */
  record AlterIsr(
      String topic,
      int partition,
      int leaderId,
      int leaderEpoch,
      int partitionEpoch,
      List<Integer> isr)
      implements MetadataCommand {
    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.alterIsr(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(ALTER_ISR);
      writeString(out, topic);
      out.writeInt(partition);
      out.writeInt(leaderId);
      out.writeInt(leaderEpoch);
      out.writeInt(partitionEpoch);
      writeInts(out, isr);
    }
  }

  /**
   * Elects leaders where it is due: leaderless partitions get an in-sync live replica (or, when
   * unclean election is allowed, any live replica), and with {@code preferred} the preferred
   * replica takes leadership back when it is alive and in sync.
   */
  record ElectLeaders(boolean preferred, boolean uncleanLeaderElection) implements MetadataCommand {
    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.electLeaders(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(ELECT_LEADERS);
      out.writeBoolean(preferred);
      out.writeBoolean(uncleanLeaderElection);
    }
  }

  /**
   * An election an administrator asked for (ElectLeaders, {@code kafka-leader-election.sh}) on some
   * partitions: the preferred replica takes leadership where it is alive and in sync, or, with
   * {@code unclean}, a leaderless partition gets any live replica even if it is out of sync.
   */
  record ElectPartitionLeaders(boolean unclean, List<TopicPartition> partitions)
      implements MetadataCommand {
    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.electPartitionLeaders(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(ELECT_PARTITION_LEADERS);
      out.writeBoolean(unclean);
      out.writeInt(partitions.size());
      for (TopicPartition tp : partitions) {
        writeString(out, tp.topic());
        out.writeInt(tp.partition());
      }
    }
  }

  /**
   * Partition reassignments an administrator asked for (AlterPartitionReassignments, {@code
   * kafka-reassign-partitions.sh}): each partition moves to its target replicas, or, when the
   * target is null, its reassignment in progress is cancelled. A partition whose change is no
   * longer valid when the command applies is left as it is (the proposer checked each one before).
   * {@code uncleanLeaderElection} is the cluster's default, for a cancel that needs an unclean
   * election.
   */
  record AlterPartitionReassignments(
      List<Target> targets, boolean allowReplicationFactorChange, boolean uncleanLeaderElection)
      implements MetadataCommand {
    public AlterPartitionReassignments {
      targets = List.copyOf(targets);
    }

    /** Where partition {@code topic}-{@code partition} moves; {@code replicas} null cancels. */
    record Target(String topic, int partition, List<Integer> replicas) {
      TopicPartition topicPartition() {
        return new TopicPartition(topic, partition);
      }
    }

    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.alterPartitionReassignments(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(ALTER_PARTITION_REASSIGNMENTS);
      out.writeBoolean(allowReplicationFactorChange);
      out.writeBoolean(uncleanLeaderElection);
      out.writeInt(targets.size());
      for (Target target : targets) {
        writeString(out, target.topic());
        out.writeInt(target.partition());
        out.writeBoolean(target.replicas() != null);
        if (target.replicas() != null) {
          writeInts(out, target.replicas());
        }
      }
    }
  }

  /**
   * Alters client quotas: per entity, quota key to value, a null value removing the key. The
   * proposer checked them ({@link ClientQuotas#whyNot}); applying does not check again.
   */
  record AlterClientQuotas(Map<ClientQuotas.Entity, Map<String, Double>> alterations)
      implements MetadataCommand {
    public AlterClientQuotas {
      Map<ClientQuotas.Entity, Map<String, Double>> copy = new java.util.LinkedHashMap<>();
      alterations.forEach(
          (entity, ops) ->
              copy.put(
                  entity, java.util.Collections.unmodifiableMap(new java.util.TreeMap<>(ops))));
      alterations = java.util.Collections.unmodifiableMap(copy);
    }

    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.alterClientQuotas(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(ALTER_CLIENT_QUOTAS);
      out.writeInt(alterations.size());
      for (Map.Entry<ClientQuotas.Entity, Map<String, Double>> e : alterations.entrySet()) {
        MetadataCodec.writeQuotaEntity(out, e.getKey());
        MetadataCodec.writeQuotaValues(out, e.getValue());
      }
    }
  }

  /**
   * Replaces the dynamic configs of broker {@code broker} (its id, or "" for the cluster-wide
   * default); already validated by the proposer.
   */
  record SetBrokerConfigs(String broker, Map<String, String> configs) implements MetadataCommand {
    public SetBrokerConfigs {
      configs = Map.copyOf(configs);
    }

    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.setBrokerConfigs(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(SET_BROKER_CONFIGS);
      writeString(out, broker);
      writeMap(out, configs);
    }
  }

  /**
   * Sets finalized feature levels (UpdateFeatures), by feature name; a level of 0 turns a feature
   * off. The proposer checked them against the levels this version supports and the upgrade types
   * asked for; applying does not check again, so that a node of a later version replaying the log
   * reaches the same state.
   */
  record SetFeatureLevels(Map<String, Short> levels) implements MetadataCommand {
    public SetFeatureLevels {
      levels = Map.copyOf(levels);
    }

    @Override
    public ClusterMetadata applyTo(ClusterMetadata state) {
      return MetadataApplier.setFeatureLevels(state, this);
    }

    @Override
    public void writeTo(DataOutput out) throws IOException {
      out.writeByte(SET_FEATURE_LEVELS);
      MetadataCodec.writeLevels(out, levels);
    }
  }
}
