package dev.eventshop.broker.group;

import java.util.Collection;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;

/**
 * The membership of a group that uses the consumer group protocol (KIP-848): its members, the group
 * epoch (bumped whenever what the assignment depends on changes: members, subscriptions, the
 * subscribed topics' partitions), and the target assignment computed at the assignment epoch.
 * Members move to the target one heartbeat at a time ({@link ConsumerRebalance}).
 *
 * <p>Invariants: {@code assignmentEpoch <= groupEpoch}; {@code target} has an entry for every
 * member once {@code assignmentEpoch == groupEpoch}; no partition is held ({@link
 * ConsumerMember#held()}) by two members.
 *
 * <p>Not thread-safe: guarded by the lock of the {@link Group} that holds it.
 */
final class ConsumerGroup {

  /** The states Kafka shows for a consumer group, with their names on the wire. */
  enum State {
    EMPTY("Empty"),
    ASSIGNING("Assigning"),
    RECONCILING("Reconciling"),
    STABLE("Stable");

    final String kafkaName;

    State(String kafkaName) {
      this.kafkaName = kafkaName;
    }
  }

  int groupEpoch;
  int assignmentEpoch;
  final LinkedHashMap<String, ConsumerMember> members = new LinkedHashMap<>();
  Map<String, Assignment> target = new HashMap<>();

  /** The assignor of the last target assignment. */
  String assignorName = ServerAssignor.Uniform.NAME;

  /**
   * The subscribed topics' ids and partition counts the group epoch was last bumped for: when the
   * metadata shows something else, the group epoch is bumped again.
   */
  Map<String, TopicCatalog.Topic> subscribedTopics = Map.of();

  /**
   * Set by a coordinator that took the group over when its target no longer covers exactly the
   * subscribed partitions (the topics changed, or a member was fenced, before the move): the next
   * heartbeat bumps the group epoch.
   */
  boolean targetStale;

  /** What the log holds of the group, as far as this coordinator wrote it; null: nothing yet. */
  ConsumerGroupRecords.Image logged;

  /** The group's last append to the log: answers that report no change of their own wait for it. */
  CompletableFuture<Void> lastAppend = CompletableFuture.completedFuture(null);

  State state() {
    if (members.isEmpty()) {
      return State.EMPTY;
    }
    if (groupEpoch > assignmentEpoch) {
      return State.ASSIGNING;
    }
    for (ConsumerMember m : members.values()) {
      if (m.state != ConsumerMember.State.STABLE || m.memberEpoch != assignmentEpoch) {
        return State.RECONCILING;
      }
    }
    return State.STABLE;
  }

  Collection<ConsumerMember> members() {
    return members.values();
  }

  /** The member that holds a static member's instance id, or null. */
  ConsumerMember staticMember(String instanceId) {
    for (ConsumerMember m : members.values()) {
      if (instanceId.equals(m.instanceId)) {
        return m;
      }
    }
    return null;
  }

  /** Whether a member other than {@code memberId} holds the partition. */
  boolean heldByOther(String memberId, Uuid topic, int partition) {
    for (ConsumerMember m : members.values()) {
      if (!m.memberId.equals(memberId)
          && (m.assigned.contains(topic, partition)
              || m.pendingRevocation.contains(topic, partition))) {
        return true;
      }
    }
    return false;
  }
}
