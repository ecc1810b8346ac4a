package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataCommand.AlterIsr;
import dev.eventshop.broker.metadata.MetadataCommand.CreatePartitions;
import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.DeleteTopic;
import dev.eventshop.broker.metadata.MetadataCommand.ElectLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.ElectPartitionLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.FenceBroker;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import dev.eventshop.broker.metadata.MetadataCommand.SetTopicConfigs;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class MetadataApplierTest {

  static final TopicPartition TP = new TopicPartition("orders", 0);

  ClusterMetadata state = new ClusterMetadata(null, -1, Map.of(), Map.of());

  CommandResult apply(MetadataCommand command) {
    MetadataApplier.Outcome outcome = MetadataApplier.apply(state, command);
    if (!outcome.result().isOk()) {
      assertThat(outcome.next()).as("a rejected command changes nothing").isSameAs(state);
    }
    state = outcome.next();
    return outcome.result();
  }

  void ok(MetadataCommand command) {
    assertThat(apply(command)).isEqualTo(CommandResult.OK);
  }

  void threeBrokers() {
    ok(Registrations.register(1, "h1", 9091));
    ok(Registrations.register(2, "h2", 9092));
    ok(Registrations.register(3, "h3", 9093));
  }

  /** A topic whose single partition has replicas [1, 2, 3] (start index 0). */
  void topicLedBy1() {
    ok(new CreateTopic("orders", Uuid.randomUuid(), 1, (short) 3, Map.of(), 0, 0));
    assertThat(partition().replicas()).containsExactly(1, 2, 3);
  }

  PartitionInfo partition() {
    return state.partition(TP).orElseThrow();
  }

  /** The partition with partition epoch 0: its placement, to compare with a new one. */
  PartitionInfo placement() {
    return partition().withPartitionEpoch(0);
  }

  /** A leader's ISR change, asked in the partition epoch the partition has now. */
  AlterIsr alterIsr(String topic, int partition, int leaderId, int leaderEpoch, List<Integer> isr) {
    int partitionEpoch =
        state
            .partition(new TopicPartition(topic, partition))
            .map(PartitionInfo::partitionEpoch)
            .orElse(0);
    return new AlterIsr(topic, partition, leaderId, leaderEpoch, partitionEpoch, isr);
  }

  @Test
  void clusterIdIsChosenOnce() {
    ok(new InitCluster("first"));
    ok(new InitCluster("second"));
    assertThat(state.clusterId()).isEqualTo("first");
  }

  @Test
  void createdTopicIsLedByFirstReplicaWithEpochZeroAndFullIsr() {
    threeBrokers();
    topicLedBy1();
    assertThat(placement())
        .isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 1, 0, List.of(1, 2, 3)));
  }

  @Test
  void createTopicErrorsMatchKafka() {
    threeBrokers();
    topicLedBy1();
    assertThat(
            apply(new CreateTopic("orders", Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0))
                .error())
        .isEqualTo(Errors.TOPIC_ALREADY_EXISTS);
    assertThat(
            apply(new CreateTopic("big", Uuid.randomUuid(), 1, (short) 4, Map.of(), 0, 0)).error())
        .isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    assertThat(
            apply(new CreateTopic("none", Uuid.randomUuid(), 0, (short) 1, Map.of(), 0, 0)).error())
        .isEqualTo(Errors.INVALID_PARTITIONS);
    assertThat(
            apply(new CreateTopic("bad name", Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0))
                .error())
        .isEqualTo(Errors.INVALID_TOPIC_EXCEPTION);
  }

  @Test
  void replicationFactorCountsOnlyLiveBrokers() {
    threeBrokers();
    ok(new FenceBroker(3, false, false));
    assertThat(apply(new CreateTopic("t", Uuid.randomUuid(), 1, (short) 3, Map.of(), 0, 0)).error())
        .isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    ok(new CreateTopic("t", Uuid.randomUuid(), 4, (short) 2, Map.of(), 0, 0));
    assertThat(state.topic("t").orElseThrow().partitions())
        .allSatisfy(p -> assertThat(p.replicas()).doesNotContain(3));
  }

  @Test
  void fencingTheLeaderElectsTheNextIsrMemberAndBumpsTheEpoch() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(1, false, false));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 2, 1, List.of(2, 3)));
    assertThat(state.brokers().get(1).fenced()).isTrue();
  }

  @Test
  void fencingAFollowerShrinksTheIsrWithoutNewEpoch() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(3, false, false));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 1, 0, List.of(1, 2)));
  }

  @Test
  void lastIsrMemberFencedLeavesPartitionLeaderlessWithThatMemberAsIsr() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(2, false, false));
    ok(new FenceBroker(3, false, false));
    ok(new FenceBroker(1, false, false));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), -1, 1, List.of(1)));
  }

  @Test
  void outOfSyncReplicaIsNotElectedUnlessUncleanElectionIsAllowed() {
    threeBrokers();
    topicLedBy1();
    ok(alterIsr("orders", 0, 1, 0, List.of(1))); // 2 and 3 fell behind
    ok(new FenceBroker(1, false, false));
    assertThat(partition().leader()).isEqualTo(-1);
    assertThat(partition().isr()).containsExactly(1);

    ok(new ElectLeaders(false, true));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 2, 2, List.of(2)));
  }

  @Test
  void anElectionOnRequestSaysWhyItIsNotHeldAndElectsOnlyThePartitionsNamed() {
    threeBrokers();
    topicLedBy1();
    ok(new CreateTopic("other", Uuid.randomUuid(), 1, (short) 3, Map.of(), 0, 0));
    TopicPartition other = new TopicPartition("other", 0);
    assertThat(LeaderElection.whyNot(state, TP, false)).isEqualTo(Errors.ELECTION_NOT_NEEDED);
    assertThat(LeaderElection.whyNot(state, TP, true)).isEqualTo(Errors.ELECTION_NOT_NEEDED);
    assertThat(LeaderElection.whyNot(state, new TopicPartition("orders", 7), false))
        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);

    ok(new FenceBroker(1, false, false)); // 2 leads both; 1 is out of the ISR and down
    assertThat(LeaderElection.whyNot(state, TP, false))
        .isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
    ok(Registrations.register(1, "h1", 9091));
    ok(alterIsr("orders", 0, 2, 1, List.of(2, 3, 1)));
    ok(alterIsr("other", 0, 2, 1, List.of(2, 3, 1)));
    assertThat(LeaderElection.whyNot(state, TP, false)).isEqualTo(Errors.NONE);

    ok(new ElectPartitionLeaders(false, List.of(TP)));
    assertThat(partition().leader()).isEqualTo(1);
    assertThat(partition().leaderEpoch()).isEqualTo(2);
    assertThat(state.partition(other).orElseThrow().leader()).as("not named").isEqualTo(2);

    ok(alterIsr("orders", 0, 1, 2, List.of(1))); // 2 and 3 fell behind
    ok(new FenceBroker(1, false, false));
    assertThat(LeaderElection.whyNot(state, TP, false))
        .isEqualTo(Errors.PREFERRED_LEADER_NOT_AVAILABLE);
    assertThat(LeaderElection.whyNot(state, TP, true)).isEqualTo(Errors.NONE);
    ok(new ElectPartitionLeaders(true, List.of(TP)));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 2, 4, List.of(2)));
  }

  @Test
  void uncleanElectionAtFenceTimeWhenAllowed() {
    threeBrokers();
    topicLedBy1();
    ok(alterIsr("orders", 0, 1, 0, List.of(1)));
    ok(new FenceBroker(1, false, true));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 2, 1, List.of(2)));
  }

  @Test
  void topicConfigOverridesUncleanElectionDefault() {
    threeBrokers();
    ok(
        new CreateTopic(
            "orders",
            Uuid.randomUuid(),
            1,
            (short) 3,
            Map.of("unclean.leader.election.enable", "true"),
            0,
            0));
    ok(alterIsr("orders", 0, 1, 0, List.of(1)));
    ok(new FenceBroker(1, false, false));
    assertThat(partition().leader()).isEqualTo(2);
  }

  @Test
  void returningLastIsrMemberLeadsAgainWhenItRegisters() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(2, false, false));
    ok(new FenceBroker(3, false, false));
    ok(new FenceBroker(1, false, false));
    ok(Registrations.register(2, "h2", 9092));
    assertThat(partition().leader()).as("2 is not in the ISR").isEqualTo(-1);
    ok(Registrations.register(1, "h1", 9091));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 1, 2, List.of(1)));
  }

  @Test
  void unfencedBrokerRejoinsTheIsrOnlyThroughAlterIsr() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(3, false, false));
    ok(Registrations.register(3, "h3", 9093));
    assertThat(state.brokers().get(3).fenced()).isFalse();
    assertThat(partition().isr()).containsExactly(1, 2);
    ok(alterIsr("orders", 0, 1, 0, List.of(1, 2, 3)));
    assertThat(partition().isr()).containsExactly(1, 2, 3);
    assertThat(partition().leaderEpoch()).isZero();
  }

  @Test
  void registeringAgainWhileUnfencedIsARestartThatLeavesIsrAndLeadership() {
    threeBrokers();
    topicLedBy1();
    ok(Registrations.register(1, "h1-new", 9091));
    assertThat(state.brokers().get(1)).isEqualTo(Registrations.broker(1, "h1-new", 9091, false));
    assertThat(placement()).isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 2, 1, List.of(2, 3)));
  }

  @Test
  void alterIsrWithStaleEpochIsRejected() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(1, false, false));
    ok(Registrations.register(1, "h1", 9091));
    assertThat(apply(alterIsr("orders", 0, 1, 0, List.of(1))).error())
        .isEqualTo(Errors.FENCED_LEADER_EPOCH);
    assertThat(apply(alterIsr("orders", 0, 2, 7, List.of(2))).error())
        .isEqualTo(Errors.UNKNOWN_LEADER_EPOCH);
    assertThat(apply(alterIsr("orders", 0, 3, 1, List.of(3))).error())
        .isEqualTo(Errors.NOT_LEADER_OR_FOLLOWER);
  }

  @Test
  void everyChangeOfAPartitionAndNothingElseBumpsItsPartitionEpoch() {
    threeBrokers();
    topicLedBy1();
    assertThat(partition().partitionEpoch()).isZero();
    ok(alterIsr("orders", 0, 1, 0, List.of(1, 2)));
    assertThat(partition().partitionEpoch()).isEqualTo(1);
    ok(alterIsr("orders", 0, 1, 0, List.of(1, 2))); // already so
    ok(new SetTopicConfigs("orders", Map.of("retention.ms", "1000")));
    ok(new CreateTopic("other", Uuid.randomUuid(), 1, (short) 3, Map.of(), 0, 0));
    assertThat(partition().partitionEpoch()).isEqualTo(1);
    ok(new FenceBroker(2, false, false)); // leaves the ISR
    assertThat(partition()).isEqualTo(partitionAt(1, 0, List.of(1), 2));
    ok(Registrations.register(2, "h2", 9092)); // a new incarnation of a replica: a change too
    assertThat(partition()).isEqualTo(partitionAt(1, 0, List.of(1), 3));
    ok(new FenceBroker(1, false, false)); // leadership moves to 3, out of sync: none
    assertThat(partition()).isEqualTo(partitionAt(-1, 1, List.of(1), 4));
  }

  static PartitionInfo partitionAt(int leader, int leaderEpoch, List<Integer> isr, int epoch) {
    return new PartitionInfo(
        0, List.of(1, 2, 3), leader, leaderEpoch, isr, List.of(), List.of(), epoch);
  }

  /**
   * A leader's ISR change asked before the partition's last change is refused. Here the leader asks
   * to add broker 3, caught up; 3 restarts (and may have lost records) before the request applies:
   * its registration changes the partition, so the request, asked again or late, must not apply.
   */
  @Test
  void alterIsrAskedBeforeThePartitionsLastChangeIsRefused() {
    threeBrokers();
    topicLedBy1();
    ok(alterIsr("orders", 0, 1, 0, List.of(1, 2))); // 3 fell behind
    AlterIsr askedBefore = alterIsr("orders", 0, 1, 0, List.of(1, 2, 3)); // 3 caught up
    ok(Registrations.register(3, "h3-restarted", 9093));
    assertThat(partition()).isEqualTo(partitionAt(1, 0, List.of(1, 2), 2));

    CommandResult stale = apply(askedBefore);
    assertThat(stale.error()).isEqualTo(Errors.INVALID_UPDATE_VERSION);
    assertThat(stale.message()).isEqualTo("Partition epoch 1 is not the current 2.");
    ok(alterIsr("orders", 0, 1, 0, List.of(1, 2, 3))); // asked again, once caught up again
    assertThat(partition()).isEqualTo(partitionAt(1, 0, List.of(1, 2, 3), 3));
  }

  /**
   * A topic created by a command written before partition epochs has them unknown, as an older
   * snapshot of the same point has: replaying and loading give every node the same state.
   */
  @Test
  void partitionsCreatedByOlderCommandsHaveNoPartitionEpoch() {
    threeBrokers();
    ok(new CreateTopic("orders", Uuid.randomUuid(), 1, (short) 3, Map.of(), 0, 0, false));
    ok(new AlterIsr("orders", 0, 1, 0, 5, List.of(1, 2)));
    assertThat(partition()).isEqualTo(partitionAt(1, 0, List.of(1, 2), -1));
  }

  /** Metadata written before partition epochs: they stay unknown, and are never checked. */
  @Test
  void partitionsWithoutAPartitionEpochAreNeitherCheckedNorCounted() {
    threeBrokers();
    topicLedBy1();
    TopicInfo topic = state.topics().get("orders");
    PartitionInfo legacy = partition().withPartitionEpoch(PartitionInfo.UNKNOWN_PARTITION_EPOCH);
    state =
        new ClusterMetadata(
            state.clusterId(),
            state.controllerId(),
            state.brokers(),
            Map.of(
                "orders", new TopicInfo("orders", topic.id(), List.of(legacy), topic.configs())));

    ok(new AlterIsr("orders", 0, 1, 0, 7, List.of(1, 2)));
    assertThat(partition()).isEqualTo(partitionAt(1, 0, List.of(1, 2), -1));
  }

  /**
   * Alterations apply as logged, set or removed, without being checked again: the proposer checked
   * them, and a replay by a later version with other checks must reach the same state.
   */
  @Test
  void clientQuotaAlterationsApplyAsLogged() {
    ClientQuotas.Entity app = ClientQuotas.Entity.of("client-id", "app");
    ClientQuotas.Entity old = ClientQuotas.Entity.of("client-id", "old");
    ok(
        new MetadataCommand.AlterClientQuotas(
            Map.of(
                app, Map.of("producer_byte_rate", 1024.0),
                old, Map.of("request_percentage", 50.0))));
    Map<String, Double> removal = new java.util.HashMap<>();
    removal.put("request_percentage", null);
    ok(new MetadataCommand.AlterClientQuotas(Map.of(old, removal)));
    assertThat(state.clientQuotas().byEntity())
        .containsExactly(Map.entry(app, Map.of("producer_byte_rate", 1024.0)));
  }

  /**
   * Feature levels apply as logged (the proposer checked them), 0 included, which turns a feature
   * off rather than bringing back its default; each change is one epoch later, and one that changes
   * nothing leaves the state as it is.
   */
  @Test
  void featureLevelsApplyAsLoggedOneEpochPerChange() {
    assertThat(state.featureLevel("transaction.version")).isEqualTo((short) 2);
    assertThat(state.featureLevel("group.version")).isEqualTo((short) 1);
    assertThat(state.featureLevel("share.version")).isZero();
    assertThat(state.features().epoch()).isZero();

    ok(new MetadataCommand.SetFeatureLevels(Map.of("transaction.version", (short) 1)));
    assertThat(state.featureLevel("transaction.version")).isEqualTo((short) 1);
    assertThat(state.features().epoch()).isEqualTo(1);

    ok(new MetadataCommand.SetFeatureLevels(Map.of("group.version", (short) 0)));
    assertThat(state.featureLevel("group.version")).isZero();
    assertThat(state.features().all())
        .containsExactly(
            Map.entry("group.version", (short) 0), Map.entry("transaction.version", (short) 1));
    assertThat(state.features().epoch()).isEqualTo(2);

    ClusterMetadata before = state;
    ok(new MetadataCommand.SetFeatureLevels(Map.of("group.version", (short) 0)));
    assertThat(state).isSameAs(before);
  }

  @Test
  void alterIsrMustKeepTheLeaderAndOnlyItsReplicas() {
    threeBrokers();
    topicLedBy1();
    assertThat(apply(alterIsr("orders", 0, 1, 0, List.of())).error())
        .isEqualTo(Errors.INVALID_REQUEST);
    assertThat(apply(alterIsr("orders", 0, 1, 0, List.of(2, 3))).error())
        .isEqualTo(Errors.INVALID_REQUEST);
    assertThat(apply(alterIsr("orders", 0, 1, 0, List.of(1, 4))).error())
        .isEqualTo(Errors.INVALID_REQUEST);
    assertThat(apply(alterIsr("orders", 0, 1, 0, List.of(1, 1))).error())
        .isEqualTo(Errors.INVALID_REQUEST);
    assertThat(apply(alterIsr("nope", 0, 1, 0, List.of(1))).error())
        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  @Test
  void fencedBrokerCannotJoinTheIsr() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(3, false, false));
    assertThat(apply(alterIsr("orders", 0, 1, 0, List.of(1, 2, 3))).error())
        .isEqualTo(Errors.INELIGIBLE_REPLICA);
  }

  @Test
  void preferredReplicaTakesLeadershipBackOnceInSync() {
    threeBrokers();
    topicLedBy1();
    ok(new FenceBroker(1, false, false));
    ok(Registrations.register(1, "h1", 9091));
    ok(new ElectLeaders(true, false));
    assertThat(partition().leader()).as("1 is not in sync yet").isEqualTo(2);

    ok(alterIsr("orders", 0, 2, 1, List.of(2, 3, 1)));
    ok(new ElectLeaders(false, false));
    assertThat(partition().leader()).as("only when preferred election is due").isEqualTo(2);
    ok(new ElectLeaders(true, false));
    assertThat(placement())
        .isEqualTo(new PartitionInfo(0, List.of(1, 2, 3), 1, 2, List.of(2, 3, 1)));
  }

  @Test
  void leaderEpochsOnlyMoveForwardThroughAnySequence() {
    threeBrokers();
    topicLedBy1();
    List<MetadataCommand> chaos =
        List.of(
            new FenceBroker(1, false, false),
            new FenceBroker(2, true, false),
            Registrations.register(1, "h1", 9091),
            Registrations.register(2, "h2", 9092),
            new ElectLeaders(true, false),
            new FenceBroker(3, false, false),
            Registrations.register(3, "h3", 9093),
            Registrations.register(3, "h3", 9093),
            new ElectLeaders(true, true),
            new FenceBroker(1, false, true));
    int epoch = partition().leaderEpoch();
    int leader = partition().leader();
    for (MetadataCommand command : chaos) {
      apply(command);
      PartitionInfo p = partition();
      assertThat(p.leaderEpoch()).isGreaterThanOrEqualTo(epoch);
      if (p.leader() != leader) {
        assertThat(p.leaderEpoch()).as("a new leader gets a new epoch").isGreaterThan(epoch);
      }
      if (p.leader() != -1) {
        assertThat(p.isr()).contains(p.leader());
      }
      assertThat(p.isr()).isNotEmpty();
      epoch = p.leaderEpoch();
      leader = p.leader();
    }
  }

  @Test
  void deleteCreatePartitionsAndConfigs() {
    threeBrokers();
    topicLedBy1();
    ok(new SetTopicConfigs("orders", Map.of("retention.ms", "1000")));
    assertThat(state.topic("orders").orElseThrow().configs()).containsEntry("retention.ms", "1000");
    ok(new CreatePartitions("orders", 3, 0, 0));
    TopicInfo topic = state.topic("orders").orElseThrow();
    assertThat(topic.partitions()).hasSize(3);
    assertThat(topic.partitions()).extracting(PartitionInfo::partition).containsExactly(0, 1, 2);
    assertThat(topic.partitions()).allSatisfy(p -> assertThat(p.replicas()).hasSize(3));
    assertThat(apply(new CreatePartitions("orders", 2, 0, 0)).error())
        .isEqualTo(Errors.INVALID_PARTITIONS);
    ok(new DeleteTopic("orders"));
    assertThat(state.topics()).isEmpty();
    assertThat(apply(new DeleteTopic("orders")).error())
        .isEqualTo(Errors.UNKNOWN_TOPIC_OR_PARTITION);
  }

  @Test
  void fencingAnUnknownBrokerIsRejected() {
    assertThat(apply(new FenceBroker(9, false, false)).error())
        .isEqualTo(Errors.BROKER_ID_NOT_REGISTERED);
  }
}
