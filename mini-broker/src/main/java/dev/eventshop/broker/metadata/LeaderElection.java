package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.IntPredicate;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.Errors;

/**
 * Partition leadership rules of the controller, as pure functions of one partition's state.
 *
 * <p>Invariants kept by every function: the leader epoch only grows, and grows exactly when the
 * leader changes; a partition with a leader has it in a non-empty ISR that is a subset of its
 * replicas; a leaderless partition ({@code leader == -1}) keeps its last known ISR (at least one
 * member), so the replica that has every acknowledged record is the one elected when it returns. A
 * clean election only picks an ISR member; an unclean one (opt-in) may pick any live replica and
 * then that replica alone is the ISR.
 */
final class LeaderElection {

  static final int NO_LEADER = -1;

  private LeaderElection() {}

  /**
   * {@code broker} stopped (fenced or shutting down): it loses leadership and leaves the ISR.
   *
   * @param live whether a broker is registered and unfenced ({@code broker} is not)
   */
  static PartitionInfo onBrokerFenced(
      PartitionInfo p, int broker, IntPredicate live, boolean uncleanAllowed) {
    if (p.leader() == broker) {
      List<Integer> isr = without(p.isr(), broker);
      for (int replica : p.replicas()) {
        if (replica != broker && isr.contains(replica) && live.test(replica)) {
          return withLeader(p, replica, isr);
        }
      }
      if (uncleanAllowed) {
        for (int replica : p.replicas()) {
          if (replica != broker && live.test(replica)) {
            return withLeader(p, replica, List.of(replica));
          }
        }
      }
      return withLeader(p, NO_LEADER, isr.isEmpty() ? List.of(broker) : isr);
    }
    if (p.isr().contains(broker) && p.isr().size() > 1) {
      return p.withIsr(without(p.isr(), broker));
    }
    return p;
  }

  /**
   * A leaderless partition gets the first live ISR member in replica order, or (unclean) the first
   * live replica. Partitions with a leader are returned unchanged.
   */
  static PartitionInfo electIfLeaderless(PartitionInfo p, IntPredicate live, boolean unclean) {
    if (p.leader() != NO_LEADER) {
      return p;
    }
    for (int replica : p.replicas()) {
      if (p.isr().contains(replica) && live.test(replica)) {
        return withLeader(p, replica, p.isr());
      }
    }
    if (unclean) {
      for (int replica : p.replicas()) {
        if (live.test(replica)) {
          return withLeader(p, replica, List.of(replica));
        }
      }
    }
    return p;
  }

  /** The preferred replica (first in the assignment) takes leadership back when it is in sync. */
  static PartitionInfo electPreferred(PartitionInfo p, IntPredicate live) {
    int preferred = p.replicas().get(0);
    if (p.leader() != preferred && p.isr().contains(preferred) && live.test(preferred)) {
      return withLeader(p, preferred, p.isr());
    }
    return p;
  }

  /**
   * Why an election an administrator asks for would change nothing, in ElectLeaders' terms, or NONE
   * when it would elect a leader: a preferred election needs a preferred replica that is not the
   * leader yet and is alive and in sync; an unclean one a leaderless partition with a live replica.
   */
  static Errors whyNot(ClusterMetadata state, TopicPartition tp, boolean unclean) {
    PartitionInfo p = state.partition(tp).orElse(null);
    if (p == null) {
      return Errors.UNKNOWN_TOPIC_OR_PARTITION;
    }
    IntPredicate live = MetadataApplier.isLive(state);
    if (unclean) {
      if (p.leader() != NO_LEADER) {
        return Errors.ELECTION_NOT_NEEDED;
      }
      return electIfLeaderless(p, live, true).leader() == NO_LEADER
          ? Errors.ELIGIBLE_LEADERS_NOT_AVAILABLE
          : Errors.NONE;
    }
    if (p.leader() == p.replicas().get(0)) {
      return Errors.ELECTION_NOT_NEEDED;
    }
    return electPreferred(p, live).leader() == p.leader()
        ? Errors.PREFERRED_LEADER_NOT_AVAILABLE
        : Errors.NONE;
  }

  /** {@link #whyNot(ClusterMetadata, TopicPartition, boolean)} of each partition, in order. */
  static Map<TopicPartition, Errors> whyNot(
      ClusterMetadata state, Collection<TopicPartition> partitions, boolean unclean) {
    Map<TopicPartition, Errors> outcome = new LinkedHashMap<>();
    for (TopicPartition tp : partitions) {
      outcome.put(tp, whyNot(state, tp, unclean));
    }
    return outcome;
  }

  private static PartitionInfo withLeader(PartitionInfo p, int leader, List<Integer> isr) {
    return p.withLeader(leader, p.leaderEpoch() + 1, isr);
  }

  private static List<Integer> without(List<Integer> list, int broker) {
    List<Integer> result = new ArrayList<>(list);
    result.remove(Integer.valueOf(broker));
    return List.copyOf(result);
  }
}
