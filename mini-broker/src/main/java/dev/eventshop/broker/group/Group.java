package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * One group and its offsets (committed, and pending in open transactions: {@link GroupOffsets}). A
 * group is of one of two types, as in Kafka 4. A classic group has a state, a generation, members
 * and a chosen protocol, driven by {@link ClassicRebalance} (JoinGroup and SyncGroup). A consumer
 * group ({@code consumer != null}) has the membership of the consumer group protocol of KIP-848,
 * driven by {@link ConsumerRebalance}; its classic state stays Empty. An empty group changes type
 * when a member of the other protocol joins; its offsets stay.
 *
 * <p>Invariants: {@code leaderId} is null exactly when there are no members, and otherwise names a
 * member; {@code staticMembers} maps each static member's instance id to its member id; a group in
 * state Empty has no members; {@code protocolName} is set exactly in CompletingRebalance and
 * Stable; members are kept in join order (the first is the fallback leader).
 *
 * <p>Thread-safety: not thread-safe by itself. Callers hold this object's monitor ({@code
 * synchronized (group)}) for every read and write; that is the coordinator's per-group lock.
 */
final class Group {

  final String groupId;

  /** The {@code __consumer_offsets} partition that stores this group. */
  final int partition;

  private GroupState state = GroupState.EMPTY;
  private long stateTimestampMs;
  int generationId;
  String protocolType;
  String protocolName;
  String leaderId;
  private final LinkedHashMap<String, GroupMember> members = new LinkedHashMap<>();
  private final Map<String, String> staticMembers = new HashMap<>();

  /** Members told MEMBER_ID_REQUIRED that have not rejoined with their id yet, with expiries. */
  final Map<String, CoordinatorTimer.Task> pendingMembers = new HashMap<>();

  /** Members that got their JoinGroup response in this generation but have not sent SyncGroup. */
  final Set<String> pendingSyncMembers = new HashSet<>();

  /** Whether a new member joined since the initial rebalance delay last started. */
  boolean newMemberAdded;

  /** True while the first rebalance of an empty group waits out the initial delay. */
  boolean inInitialDelay;

  /** The pending end of the current join phase (rebalance timeout or initial delay). */
  CoordinatorTimer.Task joinDeadline;

  /** Bumped whenever the join phase ends or restarts, so a superseded deadline does nothing. */
  long joinEpoch;

  /** The pending deadline for members to send SyncGroup after the join phase. */
  CoordinatorTimer.Task syncDeadline;

  /** Bumped whenever the sync phase ends or restarts. */
  long syncEpoch;

  final GroupOffsets offsets;

  /** The membership of a consumer group (KIP-848); null for a classic group. */
  ConsumerGroup consumer;

  /**
   * For a classic group: consumer group records that may still be in the log because the write that
   * deleted them failed (it became classic then), or null. The next consumer group of this id
   * starts from it, so its first write deletes them.
   */
  ConsumerGroupRecords.Image consumerLeftovers;

  /** The consumer group records a new consumer group of this id must delete first, or null. */
  ConsumerGroupRecords.Image takeConsumerLeftovers() {
    ConsumerGroupRecords.Image leftovers = consumerLeftovers;
    consumerLeftovers = null;
    return leftovers;
  }

  Group(String groupId, int partition, long nowMs) {
    this(groupId, partition, nowMs, new GroupOffsets());
  }

  /** A group whose offsets were rebuilt from {@code __consumer_offsets}. */
  Group(String groupId, int partition, long nowMs, GroupOffsets offsets) {
    this.groupId = groupId;
    this.partition = partition;
    this.stateTimestampMs = nowMs;
    this.offsets = offsets;
  }

  GroupState state() {
    return state;
  }

  boolean is(GroupState s) {
    return state == s;
  }

  /** When the group entered its current state; -1 if unknown (loaded from an old record). */
  long stateTimestampMs() {
    return stateTimestampMs;
  }

  void transitionTo(GroupState next, long nowMs) {
    if (!next.validPrevious().contains(state)) {
      throw new IllegalStateException(
          "group %s cannot move from %s to %s".formatted(groupId, state, next));
    }
    state = next;
    stateTimestampMs = nowMs;
  }

  /** Restores state read back from {@code __consumer_offsets}, bypassing the transition rules. */
  void restore(GroupState s, long timestampMs) {
    state = s;
    stateTimestampMs = timestampMs;
  }

  /** Whether the classic group has members (a consumer group's are in {@link #consumer}). */
  boolean hasMembers() {
    return !members.isEmpty();
  }

  /** Whether a member of either protocol belongs to the group. */
  boolean hasAnyMembers() {
    return hasMembers() || (consumer != null && !consumer.members.isEmpty());
  }

  /** The group's type as ListGroups names it. */
  String type() {
    return consumer == null ? "classic" : "consumer";
  }

  int size() {
    return members.size();
  }

  GroupMember member(String memberId) {
    return members.get(memberId);
  }

  boolean has(String memberId) {
    return members.containsKey(memberId);
  }

  Collection<GroupMember> members() {
    return members.values();
  }

  /** The member id currently registered for a static instance id, or null. */
  String staticMemberId(String groupInstanceId) {
    return groupInstanceId == null ? null : staticMembers.get(groupInstanceId);
  }

  boolean isLeader(String memberId) {
    return memberId.equals(leaderId);
  }

  void add(GroupMember member) {
    if (members.isEmpty()) {
      protocolType = member.protocolType;
    }
    members.put(member.memberId, member);
    if (member.isStatic()) {
      staticMembers.put(member.groupInstanceId, member.memberId);
    }
    if (leaderId == null) {
      leaderId = member.memberId;
    }
  }

  /** Removes a member; if it led the group, the next member in join order leads. */
  GroupMember remove(String memberId) {
    GroupMember removed = members.remove(memberId);
    if (removed == null) {
      return null;
    }
    removed.cancelHeartbeat();
    pendingSyncMembers.remove(memberId);
    if (removed.isStatic() && memberId.equals(staticMembers.get(removed.groupInstanceId))) {
      staticMembers.remove(removed.groupInstanceId);
    }
    if (memberId.equals(leaderId)) {
      leaderId = members.isEmpty() ? null : members.keySet().iterator().next();
    }
    return removed;
  }

  /**
   * Puts {@code replacement} (a static member's new incarnation) in place of the member it
   * replaces, keeping its position, leadership and assignment.
   */
  void replace(GroupMember old, GroupMember replacement) {
    LinkedHashMap<String, GroupMember> copy = new LinkedHashMap<>(members);
    members.clear();
    copy.forEach(
        (id, m) ->
            members.put(
                id.equals(old.memberId) ? replacement.memberId : id,
                id.equals(old.memberId) ? replacement : m));
    staticMembers.put(replacement.groupInstanceId, replacement.memberId);
    if (old.memberId.equals(leaderId)) {
      leaderId = replacement.memberId;
    }
    if (pendingSyncMembers.remove(old.memberId)) {
      pendingSyncMembers.add(replacement.memberId);
    }
    replacement.assignment = old.assignment;
    old.cancelHeartbeat();
  }

  /** The largest rebalance timeout among members: how long a rebalance waits for rejoins. */
  int rebalanceTimeoutMs() {
    int max = 0;
    for (GroupMember m : members.values()) {
      max = Math.max(max, m.rebalanceTimeoutMs);
    }
    return max;
  }

  /** Whether every member has rejoined and no member told MEMBER_ID_REQUIRED is still expected. */
  boolean allMembersJoined() {
    return pendingMembers.isEmpty()
        && members.values().stream().allMatch(GroupMember::isAwaitingJoin);
  }

  List<GroupMember> notYetRejoined() {
    return members.values().stream().filter(m -> !m.isAwaitingJoin()).toList();
  }

  /**
   * Whether a member with this protocol type and these protocols may join: the first member sets
   * the type; later ones must match it and share at least one protocol with every member.
   */
  boolean supportsProtocols(String memberProtocolType, Set<String> memberProtocols) {
    if (members.isEmpty()) {
      return memberProtocolType != null
          && !memberProtocolType.isEmpty()
          && !memberProtocols.isEmpty();
    }
    if (!memberProtocolType.equals(protocolType)) {
      return false;
    }
    Set<String> common = candidateProtocols();
    common.retainAll(memberProtocols);
    return !common.isEmpty();
  }

  /** The protocols every member supports, in the first member's preference order. */
  Set<String> candidateProtocols() {
    Set<String> candidates = null;
    for (GroupMember m : members.values()) {
      Set<String> names = new LinkedHashSet<>();
      m.protocols.forEach(p -> names.add(p.name()));
      if (candidates == null) {
        candidates = names;
      } else {
        candidates.retainAll(names);
      }
    }
    return candidates == null ? new LinkedHashSet<>() : candidates;
  }

  /**
   * Chooses the group's protocol by vote: each member votes for its most preferred protocol among
   * those all members support; the most votes wins, a tie going to the protocol earlier in the
   * first member's preference order.
   */
  String selectProtocol() {
    Set<String> candidates = candidateProtocols();
    if (candidates.isEmpty()) {
      throw new IllegalStateException("group " + groupId + " has no protocol all members support");
    }
    Map<String, Integer> votes = new LinkedHashMap<>();
    candidates.forEach(c -> votes.put(c, 0));
    for (GroupMember m : members.values()) {
      votes.merge(m.vote(candidates), 1, Integer::sum);
    }
    String best = null;
    for (Map.Entry<String, Integer> e : votes.entrySet()) {
      if (best == null || e.getValue() > votes.get(best)) {
        best = e.getKey();
      }
    }
    return best;
  }

  /** Members as a list, for the leader's JoinGroup response and for persistence. */
  List<GroupMember> memberList() {
    return new ArrayList<>(members.values());
  }

  @Override
  public String toString() {
    return "Group(" + groupId + ", " + state.kafkaName() + ", generation " + generationId + ")";
  }
}
