package dev.eventshop.broker.metadata;

import java.util.List;
import java.util.Map;
import org.apache.kafka.common.Uuid;

/**
 * The closed set of changes written to the metadata quorum's Raft log. Each command is an intent;
 * {@link MetadataApplier} turns it into the next {@link ClusterMetadata} on every node alike, so a
 * command carries every input that is not already in the replicated state (random ids, random
 * assignment offsets, the unclean election setting). Applying never reads clocks or local config.
 */
sealed interface MetadataCommand {

  /** Sets the cluster id once; later ones are ignored. Proposed by the first controller. */
  record InitCluster(String clusterId) implements MetadataCommand {}

  /**
   * A broker (re)joins with its advertised address and is unfenced. A registration while the broker
   * is still unfenced is a restart: its old incarnation is fenced first, so it leaves every ISR and
   * leads nothing until it has caught up again.
   */
  record RegisterBroker(int brokerId, String host, int port) implements MetadataCommand {}

  /**
   * Fences a broker (session expired, or controlled shutdown): partitions it led get a new leader
   * from the ISR with a bumped leader epoch, and it leaves every ISR unless it is the last member.
   */
  record FenceBroker(int brokerId, boolean controlledShutdown, boolean uncleanLeaderElection)
      implements MetadataCommand {}

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
      int shift)
      implements MetadataCommand {}

  record DeleteTopic(String name) implements MetadataCommand {}

  /** Grows a topic to {@code totalPartitions}, assigning new partitions like CreateTopic. */
  record CreatePartitions(String name, int totalPartitions, int startIndex, int shift)
      implements MetadataCommand {}

  record SetTopicConfigs(String name, Map<String, String> configs) implements MetadataCommand {}

  /** The partition leader's request to change the ISR, valid only in its current leader epoch. */
  record AlterIsr(String topic, int partition, int leaderId, int leaderEpoch, List<Integer> isr)
      implements MetadataCommand {}

  /**
   * Elects leaders where it is due: leaderless partitions get an in-sync live replica (or, when
   * unclean election is allowed, any live replica), and with {@code preferred} the preferred
   * replica takes leadership back when it is alive and in sync.
   */
  record ElectLeaders(boolean preferred, boolean uncleanLeaderElection)
      implements MetadataCommand {}
}
