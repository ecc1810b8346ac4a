package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataCommand.AlterClientQuotas;
import dev.eventshop.broker.metadata.MetadataCommand.AlterIsr;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments.Target;
import dev.eventshop.broker.metadata.MetadataCommand.CreatePartitions;
import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.DeleteTopic;
import dev.eventshop.broker.metadata.MetadataCommand.ElectLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.ElectPartitionLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import dev.eventshop.broker.metadata.MetadataCommand.RegisterBroker;
import dev.eventshop.broker.metadata.MetadataCommand.SetBrokerConfigs;
import dev.eventshop.broker.metadata.MetadataCommand.SetFeatureLevels;
import dev.eventshop.broker.metadata.MetadataCommand.SetTopicConfigs;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;
import java.util.function.Predicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.InvalidPartitionsException;
import org.apache.kafka.common.errors.InvalidReplicationFactorException;
import org.apache.kafka.common.protocol.Errors;

/**
 * Applies one committed {@link MetadataCommand} to the replicated {@link ClusterMetadata}: the
 * controller's rules for brokers, topics, partitions and leadership, validated against the state
 * the command meets in log order. A rejected command leaves the state unchanged and answers a Kafka
 * error.
 *
 * <p>This is a pure function of (state, command), so every node of the quorum computes the same
 * next state; it is the only code that changes the replicated metadata. The {@code controllerId} of
 * the input is carried through unchanged (it is not replicated).
 */
final class MetadataApplier {

  /** The next state and the answer for the proposer. */
  record Outcome(ClusterMetadata next, CommandResult result) {}

  private static final String UNCLEAN_CONFIG = "unclean.leader.election.enable";

  private MetadataApplier() {}

  static Outcome apply(ClusterMetadata state, MetadataCommand command) {
    try {
      ClusterMetadata next = command.applyTo(state);
      return new Outcome(next, CommandResult.OK);
    } catch (ApiException e) {
      return new Outcome(state, CommandResult.failed(Errors.forException(e), e.getMessage()));
    }
  }

  /**
   * The topic a CreateTopic command would create in {@code state}, without creating it (used for
   * validate-only requests and to check before proposing).
   */
  static TopicInfo plannedTopic(ClusterMetadata state, CreateTopic c) {
    TopicNames.validate(c.name());
    if (state.topics().containsKey(c.name())) {
      throw Errors.TOPIC_ALREADY_EXISTS.exception("Topic '" + c.name() + "' already exists.");
    }
    if (c.partitions() < 1) {
      throw new InvalidPartitionsException("Number of partitions must be larger than 0.");
    }
    List<Integer> live = liveIds(state);
    if (c.replicationFactor() < 1 || c.replicationFactor() > live.size()) {
      throw new InvalidReplicationFactorException(
          "Replication factor: %d larger than available brokers: %d."
              .formatted(c.replicationFactor(), live.size()));
    }
    List<List<Integer>> assignment =
        ReplicaAssignment.assign(
            live, 0, c.partitions(), c.replicationFactor(), c.startIndex(), c.shift());
    return new TopicInfo(
        c.name(),
        c.topicId(),
        newPartitions(0, assignment, c.partitionEpochs()),
        Map.copyOf(c.configs()));
  }

  static ClusterMetadata initCluster(ClusterMetadata state, InitCluster c) {
    if (state.clusterId() != null && !state.clusterId().isEmpty()) {
      return state;
    }
    return state.withClusterId(c.clusterId());
  }

  static ClusterMetadata registerBroker(ClusterMetadata state, RegisterBroker c) {
    if (c.brokerId() < 0
        || c.endpoints().isEmpty()
        || c.endpoints().stream()
            .anyMatch(e -> e.host() == null || e.host().isEmpty() || e.port() <= 0)) {
      throw Errors.INVALID_REQUEST.exception("invalid broker registration " + c);
    }
    BrokerInfo existing = state.brokers().get(c.brokerId());
    ClusterMetadata current = state;
    if (existing != null && !existing.fenced()) {
      // A new incarnation of a broker that was never fenced: its log may be behind (it may have
      // lost unflushed records), so it first loses leadership and ISR membership like a fence.
      current = fenceBroker(state, c.brokerId(), false);
    }
    Map<Integer, BrokerInfo> brokers = new TreeMap<>(current.brokers());
    brokers.put(c.brokerId(), new BrokerInfo(c.brokerId(), c.endpoints(), false));
    ClusterMetadata registered = current.withBrokers(Map.copyOf(brokers));
    // Partitions whose last in-sync replica was this broker can have it back as leader now. Every
    // partition it hosts changes: a new incarnation may have lost records, so an ISR change asked
    // before (to add it, from what its old incarnation had) must not apply (Kafka refuses it by
    // the broker epoch, KIP-903; here its partition epoch is stale).
    IntPredicate live = isLive(registered);
    return mapPartitions(
        registered,
        (topic, p) ->
            p.isr().contains(c.brokerId()) ? LeaderElection.electIfLeaderless(p, live, false) : p,
        p -> p.replicas().contains(c.brokerId()));
  }

  static ClusterMetadata fenceBroker(ClusterMetadata state, int brokerId, boolean uncleanDefault) {
    BrokerInfo existing = state.brokers().get(brokerId);
    if (existing == null) {
      throw Errors.BROKER_ID_NOT_REGISTERED.exception("Broker " + brokerId + " is not registered.");
    }
    Map<Integer, BrokerInfo> brokers = new TreeMap<>(state.brokers());
    brokers.put(brokerId, existing.withFenced(true));
    ClusterMetadata fenced = state.withBrokers(Map.copyOf(brokers));
    IntPredicate live = isLive(fenced);
    return mapPartitions(
        fenced,
        (topic, p) ->
            LeaderElection.onBrokerFenced(p, brokerId, live, unclean(topic, uncleanDefault)));
  }

  static ClusterMetadata createTopic(ClusterMetadata state, CreateTopic c) {
    TopicInfo topic = plannedTopic(state, c);
    Map<String, TopicInfo> topics = new TreeMap<>(state.topics());
    topics.put(c.name(), topic);
    return withTopics(state, topics);
  }

  static ClusterMetadata deleteTopic(ClusterMetadata state, DeleteTopic c) {
    Map<String, TopicInfo> topics = new TreeMap<>(state.topics());
    if (topics.remove(c.name()) == null) {
      throw Errors.UNKNOWN_TOPIC_OR_PARTITION.exception("Topic '" + c.name() + "' does not exist.");
    }
    return withTopics(state, topics);
  }

  static ClusterMetadata createPartitions(ClusterMetadata state, CreatePartitions c) {
    TopicInfo topic = existingTopic(state, c.name());
    int existing = topic.partitions().size();
    if (c.totalPartitions() <= existing) {
      throw new InvalidPartitionsException(
          "Topic currently has %d partitions, which is higher than the requested %d."
              .formatted(existing, c.totalPartitions()));
    }
    int replicationFactor = topic.partitions().get(0).targetReplicas().size();
    List<Integer> live = liveIds(state);
    if (replicationFactor > live.size()) {
      throw new InvalidReplicationFactorException(
          "Unable to replicate the partition %d time(s): only %d broker(s) are live."
              .formatted(replicationFactor, live.size()));
    }
    List<PartitionInfo> partitions = new ArrayList<>(topic.partitions());
    partitions.addAll(
        newPartitions(
            existing,
            ReplicaAssignment.assign(
                live,
                existing,
                c.totalPartitions() - existing,
                replicationFactor,
                c.startIndex(),
                c.shift()),
            c.partitionEpochs()));
    Map<String, TopicInfo> topics = new TreeMap<>(state.topics());
    topics.put(
        c.name(), new TopicInfo(c.name(), topic.id(), List.copyOf(partitions), topic.configs()));
    return withTopics(state, topics);
  }

  static ClusterMetadata setTopicConfigs(ClusterMetadata state, SetTopicConfigs c) {
    TopicInfo topic = existingTopic(state, c.name());
    Map<String, TopicInfo> topics = new TreeMap<>(state.topics());
    topics.put(
        c.name(), new TopicInfo(c.name(), topic.id(), topic.partitions(), Map.copyOf(c.configs())));
    return withTopics(state, topics);
  }

  static ClusterMetadata alterIsr(ClusterMetadata state, AlterIsr c) {
    TopicInfo topic = state.topics().get(c.topic());
    if (topic == null || c.partition() < 0 || c.partition() >= topic.partitions().size()) {
      throw Errors.UNKNOWN_TOPIC_OR_PARTITION.exception(
          "Partition " + c.topic() + "-" + c.partition() + " does not exist.");
    }
    PartitionInfo p = topic.partitions().get(c.partition());
    if (c.leaderEpoch() < p.leaderEpoch()) {
      throw Errors.FENCED_LEADER_EPOCH.exception(
          "Leader epoch %d is older than the current %d."
              .formatted(c.leaderEpoch(), p.leaderEpoch()));
    }
    if (c.leaderEpoch() > p.leaderEpoch()) {
      throw Errors.UNKNOWN_LEADER_EPOCH.exception(
          "Leader epoch %d is newer than the current %d."
              .formatted(c.leaderEpoch(), p.leaderEpoch()));
    }
    if (p.leader() != c.leaderId()) {
      throw Errors.NOT_LEADER_OR_FOLLOWER.exception(
          "Broker %d does not lead %s-%d.".formatted(c.leaderId(), c.topic(), c.partition()));
    }
    if (p.knowsPartitionEpoch()
        && c.partitionEpoch() != PartitionInfo.UNKNOWN_PARTITION_EPOCH
        && c.partitionEpoch() != p.partitionEpoch()) {
      // Asked before the partition's latest change (or, were it newer, of another history): its
      // ISR may rest on a state that is gone, so it must not apply.
      throw Errors.INVALID_UPDATE_VERSION.exception(
          "Partition epoch %d is not the current %d."
              .formatted(c.partitionEpoch(), p.partitionEpoch()));
    }
    List<Integer> isr = c.isr();
    if (isr.isEmpty()
        || !isr.contains(p.leader())
        || !p.replicas().containsAll(isr)
        || new HashSet<>(isr).size() != isr.size()) {
      throw Errors.INVALID_REQUEST.exception(
          "ISR %s must be distinct replicas of %s and contain the leader %d."
              .formatted(isr, p.replicas(), p.leader()));
    }
    IntPredicate live = isLive(state);
    for (int member : isr) {
      if (!p.isr().contains(member) && !live.test(member)) {
        throw Errors.INELIGIBLE_REPLICA.exception(
            "Broker %d is fenced and cannot join the ISR.".formatted(member));
      }
    }
    if (isr.equals(p.isr())) {
      return state;
    }
    PartitionInfo next = p.withIsr(isr);
    return mapPartitions(
        state, (t, q) -> t.name().equals(c.topic()) && q.partition() == c.partition() ? next : q);
  }

  static ClusterMetadata electLeaders(ClusterMetadata state, ElectLeaders c) {
    IntPredicate live = isLive(state);
    return mapPartitions(
        state,
        (topic, p) -> {
          PartitionInfo q =
              LeaderElection.electIfLeaderless(p, live, unclean(topic, c.uncleanLeaderElection()));
          return c.preferred() ? LeaderElection.electPreferred(q, live) : q;
        });
  }

  static ClusterMetadata electPartitionLeaders(ClusterMetadata state, ElectPartitionLeaders c) {
    IntPredicate live = isLive(state);
    Set<TopicPartition> asked = Set.copyOf(c.partitions());
    return mapPartitions(
        state,
        (topic, p) -> {
          if (!asked.contains(new TopicPartition(topic.name(), p.partition()))) {
            return p;
          }
          return c.unclean()
              ? LeaderElection.electIfLeaderless(p, live, true)
              : LeaderElection.electPreferred(p, live);
        });
  }

  static ClusterMetadata alterPartitionReassignments(
      ClusterMetadata state, AlterPartitionReassignments c) {
    ClusterMetadata next = state;
    for (Target target : c.targets()) {
      TopicPartition tp = target.topicPartition();
      if (Reassignments.whyNot(
              next,
              tp,
              target.replicas(),
              c.allowReplicationFactorChange(),
              c.uncleanLeaderElection())
          != null) {
        continue; // no longer valid: the proposer checked it against an older state
      }
      IntPredicate live = isLive(next);
      next =
          mapPartitions(
              next,
              (topic, p) -> {
                if (!topic.name().equals(tp.topic()) || p.partition() != tp.partition()) {
                  return p;
                }
                return target.replicas() == null
                    ? Reassignments.cancel(p, live)
                    : Reassignments.start(p, target.replicas(), live);
              });
    }
    return next;
  }

  static ClusterMetadata alterClientQuotas(ClusterMetadata state, AlterClientQuotas c) {
    ClientQuotas quotas = state.clientQuotas();
    // Checked by the proposer, not here: the checks may change between versions, and every node
    // replaying this command must reach the same state (as Kafka's replay never validates).
    for (Map.Entry<ClientQuotas.Entity, Map<String, Double>> e : c.alterations().entrySet()) {
      quotas = quotas.alter(e.getKey(), e.getValue());
    }
    return quotas.equals(state.clientQuotas()) ? state : state.withClientQuotas(quotas);
  }

  static ClusterMetadata setBrokerConfigs(ClusterMetadata state, SetBrokerConfigs c) {
    Map<String, Map<String, String>> configs = new TreeMap<>(state.brokerConfigs());
    if (c.configs().isEmpty()) {
      configs.remove(c.broker());
    } else {
      configs.put(c.broker(), c.configs());
    }
    return state.withBrokerConfigs(Map.copyOf(configs));
  }

  static ClusterMetadata setFeatureLevels(ClusterMetadata state, SetFeatureLevels c) {
    // Checked by the proposer (UpdateFeatures' rules), as for client quotas above.
    FinalizedFeatures next = state.features().with(c.levels());
    return next == state.features() ? state : state.withFeatures(next);
  }

  // ---- helpers

  /** A function of a partition and its topic. */
  private interface PartitionChange {
    PartitionInfo apply(TopicInfo topic, PartitionInfo partition);
  }

  /**
   * Applies {@code change} to every partition, then completes each reassignment whose target
   * replicas are all in sync (whatever brought them there: an ISR change, an election, a fence), as
   * Kafka's controller does on every partition change. Each partition that changed gets the next
   * partition epoch. Returns {@code state} itself if nothing changed.
   */
  private static ClusterMetadata mapPartitions(ClusterMetadata state, PartitionChange change) {
    return mapPartitions(state, change, p -> false);
  }

  /**
   * As above; the partitions {@code changedAnyway} accepts get the next epoch even if unchanged.
   */
  private static ClusterMetadata mapPartitions(
      ClusterMetadata state, PartitionChange change, Predicate<PartitionInfo> changedAnyway) {
    IntPredicate live = isLive(state);
    Map<String, TopicInfo> topics = null;
    for (TopicInfo topic : state.topics().values()) {
      List<PartitionInfo> partitions = null;
      for (int i = 0; i < topic.partitions().size(); i++) {
        PartitionInfo before = topic.partitions().get(i);
        PartitionInfo after =
            Reassignments.maybeComplete(change.apply(topic, before), live)
                .withPartitionEpoch(before.partitionEpoch());
        if (!after.equals(before) || changedAnyway.test(before)) {
          if (before.knowsPartitionEpoch()) {
            after = after.withPartitionEpoch(before.partitionEpoch() + 1);
          }
          if (partitions == null) {
            partitions = new ArrayList<>(topic.partitions());
          }
          partitions.set(i, after);
        }
      }
      if (partitions != null) {
        if (topics == null) {
          topics = new TreeMap<>(state.topics());
        }
        topics.put(
            topic.name(),
            new TopicInfo(topic.name(), topic.id(), List.copyOf(partitions), topic.configs()));
      }
    }
    return topics == null ? state : withTopics(state, topics);
  }

  private static ClusterMetadata withTopics(ClusterMetadata state, Map<String, TopicInfo> topics) {
    return state.withTopics(Map.copyOf(topics));
  }

  /**
   * New partitions, at partition epoch 0; unknown when made by a command written before partition
   * epochs (an older snapshot of the same point has them unknown too).
   */
  private static List<PartitionInfo> newPartitions(
      int first, List<List<Integer>> assignment, boolean partitionEpochs) {
    List<PartitionInfo> result = new ArrayList<>(assignment.size());
    for (int i = 0; i < assignment.size(); i++) {
      List<Integer> replicas = assignment.get(i);
      PartitionInfo p = new PartitionInfo(first + i, replicas, replicas.get(0), 0, replicas);
      result.add(partitionEpochs ? p : p.withPartitionEpoch(PartitionInfo.UNKNOWN_PARTITION_EPOCH));
    }
    return List.copyOf(result);
  }

  private static TopicInfo existingTopic(ClusterMetadata state, String name) {
    TopicInfo topic = state.topics().get(name);
    if (topic == null) {
      throw Errors.UNKNOWN_TOPIC_OR_PARTITION.exception("Topic '" + name + "' does not exist.");
    }
    return topic;
  }

  static List<Integer> liveIds(ClusterMetadata state) {
    return state.liveBrokers().stream().map(BrokerInfo::id).toList();
  }

  static IntPredicate isLive(ClusterMetadata state) {
    return id -> {
      BrokerInfo b = state.brokers().get(id);
      return b != null && !b.fenced();
    };
  }

  /** The topic's {@code unclean.leader.election.enable} override, else the cluster default. */
  static boolean unclean(TopicInfo topic, boolean clusterDefault) {
    String override = topic.configs().get(UNCLEAN_CONFIG);
    return override == null ? clusterDefault : Boolean.parseBoolean(override.trim());
  }
}
