package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.MetadataCommand.AlterIsr;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments.Target;
import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.FenceBroker;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.ApiError;
import org.junit.jupiter.api.Test;

/** Partition reassignment as the metadata applies it: start, completion, cancel and refusals. */
class ReassignmentsTest {

  static final TopicPartition TP = new TopicPartition("orders", 0);

  ClusterMetadata state = new ClusterMetadata(null, -1, Map.of(), Map.of());

  void apply(MetadataCommand command) {
    MetadataApplier.Outcome outcome = MetadataApplier.apply(state, command);
    assertThat(outcome.result()).isEqualTo(CommandResult.OK);
    state = outcome.next();
  }

  /** Brokers 1 to {@code brokers}, and "orders" with one partition on replicas [1, 2] led by 1. */
  void cluster(int brokers) {
    for (int id = 1; id <= brokers; id++) {
      apply(Registrations.register(id, "h" + id, 9090 + id));
    }
    apply(new CreateTopic("orders", Uuid.randomUuid(), 1, (short) 2, Map.of(), 0, 0));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2), 1, 0, List.of(1, 2)));
  }

  PartitionInfo partition() {
    return state.partition(TP).orElseThrow();
  }

  /** The partition with partition epoch 0: its placement, to compare with a new one. */
  PartitionInfo placement() {
    return partition().withPartitionEpoch(0);
  }

  void reassign(Integer... target) {
    apply(
        new AlterPartitionReassignments(
            List.of(new Target("orders", 0, Arrays.asList(target))), true, false));
  }

  void cancel() {
    cancel(false);
  }

  void cancel(boolean uncleanLeaderElection) {
    apply(
        new AlterPartitionReassignments(
            List.of(new Target("orders", 0, null)), true, uncleanLeaderElection));
  }

  /** The leader's request to change the ISR in its current epoch. */
  void isr(Integer... isr) {
    PartitionInfo p = partition();
    apply(new AlterIsr("orders", 0, p.leader(), p.leaderEpoch(), p.partitionEpoch(), List.of(isr)));
  }

  Errors whyNot(List<Integer> target, boolean allowReplicationFactorChange) {
    Map<TopicPartition, Optional<List<Integer>>> targets = new LinkedHashMap<>();
    targets.put(TP, Optional.ofNullable(target));
    ApiError error =
        Reassignments.whyNot(state, targets, allowReplicationFactorChange, false).get(TP);
    return error.error();
  }

  @Test
  void movingAReplicaAddsTheNewOneFirstAndCompletesWhenItIsInSync() {
    cluster(3);
    reassign(3, 2);

    assertThat(placement())
        .as("target first, then the replica being removed; nothing else changes yet")
        .isEqualTo(
            new PartitionInfo(0, List.of(3, 2, 1), 1, 0, List.of(1, 2), List.of(3), List.of(1)));
    assertThat(partition().targetReplicas()).containsExactly(3, 2);
    assertThat(partition().originalReplicas()).containsExactly(2, 1);

    isr(1, 2, 3);
    assertThat(placement())
        .as("the leader was removed: the first in-sync target replica leads in a new epoch")
        .isEqualTo(new PartitionInfo(0, List.of(3, 2), 3, 1, List.of(2, 3)));
  }

  @Test
  void growingTheReplicationFactorKeepsTheLeaderAndBumpsNoEpoch() {
    cluster(3);
    reassign(1, 2, 3);
    assertThat(partition().addingReplicas()).containsExactly(3);
    assertThat(partition().removingReplicas()).isEmpty();
    assertThat(partition().leaderEpoch()).isZero();

    isr(1, 2, 3);
    assertThat(placement())
        .isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 1, 0, List.of(1, 2, 3)));
  }

  @Test
  void removingOnlyOrReorderingCompletesAtOnce() {
    cluster(3);
    reassign(2, 1);
    assertThat(placement())
        .as("a new order changes the preferred leader only")
        .isEqualTo(new PartitionInfo(0, List.of(2, 1), 1, 0, List.of(1, 2)));

    reassign(2);
    assertThat(placement())
        .as("removing the leader moves leadership in a new epoch")
        .isEqualTo(new PartitionInfo(0, List.of(2), 2, 1, List.of(2)));
  }

  @Test
  void removingAFollowerBumpsTheEpochToFenceIt() {
    cluster(3);
    reassign(1);
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1), 1, 1, List.of(1)));
  }

  @Test
  void cancellingReturnsToTheOriginalReplicas() {
    cluster(3);
    reassign(3);
    assertThat(partition().replicas()).containsExactly(3, 1, 2);
    cancel();
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2), 1, 1, List.of(1, 2)));
  }

  @Test
  void cancellingAfterTheAddedReplicaTookOverHandsLeadershipBack() {
    cluster(4);
    reassign(3, 4);
    isr(1, 2, 3);
    apply(new FenceBroker(1, false, false)); // the leader dies: the first in-sync replica leads
    assertThat(partition().leader()).isEqualTo(3);
    cancel();
    PartitionInfo p = partition();
    assertThat(p.replicas()).containsExactly(1, 2);
    assertThat(p.isr()).containsExactly(2);
    assertThat(p.leader()).isEqualTo(2);
    assertThat(p.isReassigning()).isFalse();
  }

  @Test
  void aNewTargetCountsFromTheCurrentReplicasAndTheSameTargetTwiceChangesNothing() {
    cluster(4);
    reassign(3, 2);
    PartitionInfo first = partition();
    reassign(3, 2);
    assertThat(partition()).isEqualTo(first);

    reassign(4, 2);
    assertThat(partition().replicas()).containsExactly(4, 2, 1, 3);
    assertThat(partition().addingReplicas()).containsExactly(4);
    assertThat(partition().removingReplicas()).containsExactly(1, 3);
  }

  @Test
  void anAddedReplicaThatLeftTheTargetStaysUntilTheNewTargetIsInSync() {
    cluster(4);
    reassign(3, 4);
    isr(1, 2, 3);
    reassign(4, 2);
    assertThat(partition().isr()).containsExactly(1, 2, 3);
    assertThat(partition().leaderEpoch()).isZero();

    isr(1, 2, 3, 4);
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(4, 2), 4, 1, List.of(2, 4)));
  }

  @Test
  void aCancelThatWouldNeedAnUncleanElectionIsRefused() {
    cluster(4);
    reassign(3, 4);
    isr(1, 2, 3);
    apply(new FenceBroker(1, false, false));
    apply(new FenceBroker(2, false, false));
    assertThat(partition().isr()).containsExactly(3);
    assertThat(Reassignments.whyNot(state, TP, null, true, false).getMessage())
        .isEqualTo(
            "Unable to revert partition assignment for orders:0 because it would require an"
                + " unclean leader election.");
    cancel(false);
    assertThat(partition().isReassigning()).as("refused when it applies too").isTrue();

    // Allowed by the cluster's default (or the topic's config), as in Kafka: 1 and 2 are fenced,
    // so nobody can lead until one returns, and that one then leads alone.
    assertThat(Reassignments.whyNot(state, TP, null, true, true)).isNull();
    int epoch = partition().leaderEpoch();
    cancel(true);
    assertThat(placement())
        .isEqualTo(new PartitionInfo(0, List.of(1, 2), -1, epoch + 1, List.of(1)));
  }

  @Test
  void anUncleanCancelElectsTheFirstLiveReplicaKept() {
    cluster(4);
    reassign(3, 4);
    isr(1, 2, 3);
    apply(new FenceBroker(1, false, false));
    apply(new FenceBroker(2, false, false));
    apply(Registrations.register(2, "h2", 9092)); // back, out of sync
    cancel(true);
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2), 2, 2, List.of(2)));
  }

  @Test
  void anyChangeThatPutsTheTargetInSyncCompletesTheReassignment() {
    cluster(3);
    reassign(3);
    isr(1, 2, 3);
    // With unclean election allowed, fencing both old replicas leaves 3 alone in sync and leading:
    // no AlterIsr will come, the fence itself completes the move.
    apply(new FenceBroker(1, false, true));
    apply(new FenceBroker(2, false, true));
    assertThat(partition().isReassigning()).isFalse();
    assertThat(partition().replicas()).containsExactly(3);
    assertThat(partition().leader()).isEqualTo(3);
  }

  @Test
  void theReassignmentWaitsWhileAnAddedBrokerIsDown() {
    cluster(3);
    reassign(1, 2, 3);
    apply(new FenceBroker(3, false, false));
    assertThat(partition().isReassigning()).isTrue();
    assertThat(whyNot(List.of(1, 2, 3), true)).isEqualTo(Errors.NONE);
  }

  @Test
  void refusalsNameTheirReason() {
    cluster(3);
    assertThat(whyNot(List.of(), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(whyNot(List.of(1, 1), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(whyNot(List.of(1, 9), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(whyNot(List.of(-1), true)).isEqualTo(Errors.INVALID_REPLICA_ASSIGNMENT);
    assertThat(Reassignments.whyNot(state, TP, List.of(99, 1, 1), true, false).getMessage())
        .as("one pass in broker id order, as Kafka's: 1 twice comes before 99")
        .isEqualTo("The manual partition assignment includes the broker 1 more than once.");
    assertThat(whyNot(List.of(1, 2, 3), false)).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    assertThat(whyNot(List.of(3, 1), false)).isEqualTo(Errors.NONE);
    assertThat(whyNot(null, true))
        .as("cancelling with nothing to cancel")
        .isEqualTo(Errors.NO_REASSIGNMENT_IN_PROGRESS);
    Map<TopicPartition, Optional<List<Integer>>> unknown =
        Map.of(new TopicPartition("orders", 1), Optional.of(List.of(1)));
    assertThat(Reassignments.whyNot(state, unknown, true, false).values())
        .extracting(ApiError::error)
        .containsExactly(Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  @Test
  void aCommandOvertakenByAnotherLeavesThePartitionAlone() {
    cluster(3);
    PartitionInfo before = partition();
    // Proposed while a reassignment was in progress, applied after it completed.
    cancel();
    assertThat(partition()).isEqualTo(before);
  }

  @Test
  void invariantsHoldThroughAReassignmentWithFailures() {
    cluster(4);
    List<Runnable> steps =
        List.of(
            () -> reassign(3, 4, 2),
            () -> isr(1, 2, 3),
            () -> apply(new FenceBroker(2, false, false)),
            () -> apply(Registrations.register(2, "h2", 9092)),
            () -> isr(1, 3, 4),
            () -> reassign(1, 2),
            () -> isr(1, 2),
            () -> reassign(4, 3));
    int epoch = partition().leaderEpoch();
    for (Runnable step : steps) {
      step.run();
      PartitionInfo p = partition();
      assertThat(p.leaderEpoch()).isGreaterThanOrEqualTo(epoch);
      assertThat(p.replicas()).containsAll(p.isr());
      assertThat(p.isr()).isNotEmpty().contains(p.leader());
      assertThat(p.replicas()).containsAll(p.addingReplicas()).containsAll(p.removingReplicas());
      epoch = p.leaderEpoch();
    }
    assertThat(partition().targetReplicas()).containsExactly(4, 3);
  }
}
