package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.IntPredicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidReplicaAssignmentException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.errors.UnknownTopicOrPartitionException;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;

/**
 * Partition reassignment (KIP-455, {@code kafka-reassign-partitions.sh}) as pure functions of one
 * partition's state, like {@link LeaderElection}.
 *
 * <p>A reassignment first adds: the partition's replicas become the target followed by the current
 * replicas not in it, and the added brokers start following the leader like any replica. It
 * completes in the same step that puts the last target replica into the ISR: the replicas become
 * the target, the ISR keeps only target replicas, and a leader that is not in the target hands
 * leadership to the first in-sync target replica. Removing replicas bumps the leader epoch, so a
 * removed replica's requests are fenced. A cancel drops the replicas being added the same way.
 * Brokers that are no longer replicas delete their copy when they see the new metadata ({@code
 * replication/Replicas}). The rules, errors and messages are those of Kafka's KRaft controller.
 */
final class Reassignments {

  private Reassignments() {}

  /**
   * Why {@code target} (or a cancel, when it is null) cannot be applied to partition {@code tp} in
   * {@code state}, or null when it can.
   *
   * @param uncleanLeaderElection the cluster's {@code unclean.leader.election.enable}, which the
   *     topic's config overrides: it allows a cancel that needs an unclean election
   */
  static ApiException whyNot(
      ClusterMetadata state,
      TopicPartition tp,
      List<Integer> target,
      boolean allowReplicationFactorChange,
      boolean uncleanLeaderElection) {
    ClusterMetadata.TopicInfo topic = state.topics().get(tp.topic());
    if (topic == null) {
      return new UnknownTopicOrPartitionException(
          "Unable to find a topic named " + tp.topic() + ".");
    }
    PartitionInfo p = state.partition(tp).orElse(null);
    if (p == null) {
      return new UnknownTopicOrPartitionException(
          "Unable to find partition " + tp.topic() + ":" + tp.partition() + ".");
    }
    if (target == null) {
      if (!p.isReassigning()) {
        return Errors.NO_REASSIGNMENT_IN_PROGRESS.exception();
      }
      if (p.isr().stream().allMatch(p.addingReplicas()::contains)
          && !MetadataApplier.unclean(topic, uncleanLeaderElection)) {
        return new InvalidReplicaAssignmentException(
            "Unable to revert partition assignment for %s:%d because it would require an unclean leader election."
                .formatted(tp.topic(), tp.partition()));
      }
      return null;
    }
    if (target.isEmpty()) {
      return new InvalidReplicaAssignmentException(
          "The manual partition assignment includes an empty replica list.");
    }
    // One pass in broker id order, as Kafka's controller checks.
    List<Integer> sorted = target.stream().sorted().toList();
    for (int i = 0; i < sorted.size(); i++) {
      int broker = sorted.get(i);
      if (!state.brokers().containsKey(broker)) {
        return new InvalidReplicaAssignmentException(
            "The manual partition assignment includes broker %d, but no such broker is registered."
                .formatted(broker));
      }
      if (i > 0 && sorted.get(i - 1) == broker) {
        return new InvalidReplicaAssignmentException(
            "The manual partition assignment includes the broker %d more than once."
                .formatted(broker));
      }
    }
    int current = p.targetReplicas().size();
    if (!allowReplicationFactorChange && target.size() != current) {
      return new InvalidReplicationFactorException(
          "The replication factor is changed from %d to %d".formatted(current, target.size()));
    }
    return null;
  }

  /** {@link #whyNot} for each partition, in order, as Kafka's per-partition errors. */
  static Map<TopicPartition, ApiError> whyNot(
      ClusterMetadata state,
      Map<TopicPartition, Optional<List<Integer>>> targets,
      boolean allowReplicationFactorChange,
      boolean uncleanLeaderElection) {
    Map<TopicPartition, ApiError> outcome = new LinkedHashMap<>();
    targets.forEach(
        (tp, target) -> {
          ApiException why =
              whyNot(
                  state,
                  tp,
                  target.orElse(null),
                  allowReplicationFactorChange,
                  uncleanLeaderElection);
          outcome.put(tp, why == null ? ApiError.NONE : ApiError.fromThrowable(why));
        });
    return outcome;
  }

  /** Whether {@code state} shows the change asked for partition {@code tp} made. */
  static boolean isApplied(
      ClusterMetadata state, TopicPartition tp, Optional<List<Integer>> target) {
    return state
        .partition(tp)
        .map(p -> target.isPresent() ? p.targetReplicas().equals(target.get()) : !p.isReassigning())
        .orElse(false);
  }

  /**
   * Starts moving {@code p} to {@code target} (already checked by {@link #whyNot}), as Kafka's
   * controller does: the replicas become the target followed by the current replicas not in it,
   * which are being removed. A new target for a partition already being reassigned counts from its
   * current replicas, so a replica added by the first that is not in the second stays until the
   * second completes, and the same target twice changes nothing. Completes at once when the target
   * replicas are in sync already (only removing, or reordering).
   */
  static PartitionInfo start(PartitionInfo p, List<Integer> target, IntPredicate live) {
    List<Integer> settled = p.originalReplicas();
    List<Integer> removing =
        p.replicas().stream().filter(r -> !target.contains(r)).sorted().toList();
    List<Integer> adding = target.stream().filter(r -> !settled.contains(r)).sorted().toList();
    List<Integer> replicas = new ArrayList<>(target);
    replicas.addAll(removing);
    PartitionInfo moving =
        new PartitionInfo(
            p.partition(), replicas, p.leader(), p.leaderEpoch(), p.isr(), adding, removing);
    return maybeComplete(moving, live);
  }

  /**
   * Returns {@code p}, which is being reassigned, to its replicas but the ones being added, in
   * their current order. When only replicas being added are in sync, going back is an unclean
   * election ({@link #whyNot} refuses it unless {@code unclean.leader.election.enable} allows it):
   * as in Kafka, the first live replica kept leads alone, and the records only the dropped replicas
   * had are gone.
   */
  static PartitionInfo cancel(PartitionInfo p, IntPredicate live) {
    List<Integer> replicas =
        p.replicas().stream().filter(r -> !p.addingReplicas().contains(r)).toList();
    if (p.isr().stream().anyMatch(replicas::contains)) {
      return place(p, replicas, live);
    }
    int leader = replicas.stream().filter(live::test).findFirst().orElse(LeaderElection.NO_LEADER);
    List<Integer> isr = List.of(leader == LeaderElection.NO_LEADER ? replicas.get(0) : leader);
    return new PartitionInfo(
        p.partition(), replicas, leader, p.leaderEpoch() + 1, isr, List.of(), List.of());
  }

  /** Completes {@code p}'s reassignment if every target replica is in the ISR. */
  static PartitionInfo maybeComplete(PartitionInfo p, IntPredicate live) {
    if (!p.isReassigning() || !p.isr().containsAll(p.targetReplicas())) {
      return p;
    }
    return place(p, p.targetReplicas(), live);
  }

  /**
   * {@code p} with its reassignment ended on {@code replicas}, of which at least one is in sync:
   * the ISR keeps only those replicas, and a leader that is not one of them, or not alive, gives
   * way to the first live in-sync replica in replica order. The leader epoch grows when the leader
   * changes or a replica is removed, as Kafka's does.
   */
  private static PartitionInfo place(PartitionInfo p, List<Integer> replicas, IntPredicate live) {
    List<Integer> isr = p.isr().stream().filter(replicas::contains).toList();
    int leader = p.leader();
    if (!isr.contains(leader) || !live.test(leader)) {
      leader =
          replicas.stream()
              .filter(r -> isr.contains(r) && live.test(r))
              .findFirst()
              .orElse(LeaderElection.NO_LEADER);
    }
    boolean removed = !replicas.containsAll(p.replicas());
    int epoch = leader != p.leader() || removed ? p.leaderEpoch() + 1 : p.leaderEpoch();
    return new PartitionInfo(p.partition(), replicas, leader, epoch, isr, List.of(), List.of());
  }
}
