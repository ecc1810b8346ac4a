package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.group.ConsumerMember.ClassicMetadata;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Classic members in a consumer group: KIP-848's online migration, as Kafka 4 runs it under {@code
 * group.consumer.migration.policy}. A rolling upgrade of a group's consumers from {@code
 * group.protocol=classic} to {@code consumer} (or back) never needs the group to empty:
 *
 * <ul>
 *   <li><b>Upgrade</b> ({@link #upgrade}): the first ConsumerGroupHeartbeat to a classic group with
 *       members turns it into a consumer group at an epoch equal to its generation; its members
 *       keep their ids and the partitions of their last assignment, and become classic members of
 *       the consumer group.
 *   <li><b>Classic members</b> keep speaking JoinGroup, SyncGroup, Heartbeat and LeaveGroup. The
 *       coordinator assigns them (there is no group leader): JoinGroup updates the member's
 *       subscription and moves it towards its target as a heartbeat would, answering at once with
 *       its member epoch as the generation; SyncGroup hands out the partitions it may own now;
 *       Heartbeat says REBALANCE_IN_PROGRESS when it must rejoin: to revoke partitions, to take
 *       partitions others released, or to catch up with the group epoch.
 *   <li><b>Downgrade</b> ({@link #downgrade}): when the last member of the consumer protocol leaves
 *       and only classic members remain, the group becomes a classic group at a generation equal to
 *       its epoch, each member holding its target assignment, and rebalances at once.
 * </ul>
 *
 * <p>Thread-safety: every method is called with the group's lock held; timer tasks take it.
 */
final class ClassicMembers {

  private static final Logger log = LoggerFactory.getLogger(ClassicMembers.class);

  private final GroupCoordinator coordinator;
  private final GroupConfig config;
  private final CoordinatorTimer timer;

  ClassicMembers(GroupCoordinator coordinator, GroupConfig config, CoordinatorTimer timer) {
    this.coordinator = coordinator;
    this.config = config;
    this.timer = timer;
  }

  private ConsumerRebalance rebalance() {
    return coordinator.consumerRebalance();
  }

  private ConsumerTargets targets() {
    return coordinator.consumerRebalance().targets();
  }

  // ---------------------------------------------------------------- upgrade

  /**
   * Turns a classic group with members into a consumer group for a member of the consumer protocol
   * that joins, or returns the answer that member gets when the group may not change (Kafka's
   * checks and messages). Waiting JoinGroup and SyncGroup requests are answered
   * REBALANCE_IN_PROGRESS; the members' next heartbeats follow the consumer group. The caller
   * writes the group (its classic record deleted). Caller holds the lock.
   */
  ConsumerGroupHeartbeatResponseData upgrade(Group group) {
    String refused = whyNoUpgrade(group);
    if (refused != null) {
      return ConsumerRebalance.error(Errors.GROUP_ID_NOT_FOUND, refused);
    }
    if (group.size() >= config.consumerMaxSize()) {
      return rebalance().full(); // no room for the member that joins
    }
    String unreadable = convert(group);
    return unreadable == null
        ? null
        : ConsumerRebalance.error(Errors.GROUP_ID_NOT_FOUND, unreadable);
  }

  private static String cannotUpgrade(Group group) {
    return "Cannot upgrade classic group " + group.groupId + " to consumer group because ";
  }

  /** Why a classic group may not become a consumer group, or null. */
  private String whyNoUpgrade(Group group) {
    String cannot = cannotUpgrade(group);
    if (!config.upgradeEnabled()) {
      return cannot + "online upgrade is disabled.";
    }
    if (!GroupCoordinator.CONSUMER_PROTOCOL_TYPE.equals(group.protocolType)) {
      return cannot + "the group does not use the consumer embedded protocol.";
    }
    if (group.size() > config.consumerMaxSize()) {
      return cannot + "the group size exceeds the consumer group maximum size.";
    }
    return null;
  }

  /**
   * Makes the classic group's members classic members of a new consumer group at an epoch equal to
   * the generation, each with the partitions of its last assignment; or says why it cannot (their
   * metadata cannot be read, or a custom assignor's data would be lost), changing nothing.
   */
  private String convert(Group group) {
    String cannot = cannotUpgrade(group);
    ConsumerGroup cg = new ConsumerGroup();
    cg.groupEpoch = group.generationId;
    cg.assignmentEpoch = group.generationId;
    for (GroupMember m : group.members()) {
      byte[] metadata =
          group.protocolName == null
              ? m.protocols.get(0).metadata()
              : m.metadata(group.protocolName);
      Subscription subscription;
      Assignment assigned = Assignment.EMPTY;
      try {
        subscription = ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata));
        if (m.assignment.length > 0) {
          var assignment = ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(m.assignment));
          if (assignment.userData() != null && assignment.userData().hasRemaining()) {
            return cannot
                + "an unsupported custom assignor is in use. Please refer to the documentation or"
                + " switch to a default assignor before re-attempting the upgrade.";
          }
          assigned = targets().byId(assignment.partitions());
        }
      } catch (RuntimeException malformed) {
        return cannot + "the embedded consumer protocol is malformed.";
      }
      ConsumerMember c = new ConsumerMember(m.memberId);
      c.instanceId = m.groupInstanceId;
      c.rackId = subscription.rackId().orElse(null);
      c.clientId = m.clientId;
      c.clientHost = m.clientHost;
      c.rebalanceTimeoutMs = m.rebalanceTimeoutMs;
      c.subscribedTopicNames = ConsumerMember.topicNames(subscription.topics());
      c.memberEpoch = group.generationId;
      c.previousMemberEpoch = group.generationId;
      c.assigned = assigned;
      c.classic = new ClassicMetadata(m.sessionTimeoutMs, m.protocols);
      cg.members.put(c.memberId, c);
      cg.target.put(c.memberId, assigned);
    }
    // From here on the group is a consumer group.
    coordinator.rebalance().shutdownGroup(group, Errors.REBALANCE_IN_PROGRESS);
    for (String memberId : List.copyOf(cg.members.keySet())) {
      group.remove(memberId);
    }
    group.protocolName = null;
    group.generationId = 0; // as a classic group made anew later starts (Kafka's)
    group.inInitialDelay = false;
    group.restore(GroupState.EMPTY, timer.nowMs());
    cg.logged = group.takeConsumerLeftovers();
    rebalance().adopt(group, cg);
    log.info(
        "classic group {} of {} members becomes a consumer group at epoch {}",
        group.groupId,
        cg.members.size(),
        cg.groupEpoch);
    return null;
  }

  // ---------------------------------------------------------------- JoinGroup

  /** A classic JoinGroup to a consumer group with members. Caller holds the lock. */
  CompletableFuture<JoinGroupResponseData> join(Group group, ClassicRebalance.JoinRequest request) {
    ConsumerGroup cg = group.consumer;
    short version = request.version();
    boolean unknown = request.memberId().isEmpty();
    String memberId = unknown ? Uuid.randomUuid().toString() : request.memberId();
    if (!cg.members.containsKey(memberId) && cg.members.size() >= config.consumerMaxSize()) {
      return done(ClassicRebalance.joinError(memberId, Errors.GROUP_MAX_SIZE_REACHED, version));
    }
    if (!supportsProtocols(cg, request)) {
      return done(
          ClassicRebalance.joinError(
              request.memberId(), Errors.INCONSISTENT_GROUP_PROTOCOL, version));
    }
    if (unknown && request.groupInstanceId() == null && request.requireKnownMemberId()) {
      return done(ClassicRebalance.joinError(memberId, Errors.MEMBER_ID_REQUIRED, version));
    }
    ConsumerMember member;
    ConsumerMember holder =
        request.groupInstanceId() == null ? null : cg.staticMember(request.groupInstanceId());
    if (request.groupInstanceId() != null && !unknown) {
      if (holder == null) {
        return done(ClassicRebalance.joinError(memberId, Errors.UNKNOWN_MEMBER_ID, version));
      }
      if (!holder.memberId.equals(memberId)) {
        return done(ClassicRebalance.joinError(memberId, Errors.FENCED_INSTANCE_ID, version));
      }
    }
    Subscription subscription;
    try {
      subscription =
          ConsumerProtocol.deserializeSubscription(
              ByteBuffer.wrap(request.protocols().get(0).metadata()));
    } catch (RuntimeException malformed) {
      log.warn(
          "member {} of consumer group {} joined with a malformed subscription: {}",
          memberId,
          group.groupId,
          malformed.toString());
      return done(ClassicRebalance.joinError(memberId, Errors.UNKNOWN_SERVER_ERROR, version));
    }

    // Valid: from here on the group changes.
    member = cg.members.get(memberId);
    boolean bump = false;
    if (member == null) {
      member = new ConsumerMember(memberId);
      if (holder != null) {
        rebalance().replace(group, holder, member); // a static member's new incarnation
      } else {
        cg.members.put(memberId, member);
        bump = true;
      }
      log.info(
          "classic member {} (client {}) joined consumer group {}",
          memberId,
          request.clientId(),
          group.groupId);
    }
    member.instanceId = request.groupInstanceId();
    member.rackId = subscription.rackId().orElse(null);
    member.clientId = request.clientId();
    member.clientHost = request.clientHost();
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs(); // (v0's is its session timeout)
    List<String> names = ConsumerMember.topicNames(subscription.topics());
    if (!names.equals(member.subscribedTopicNames)) {
      member.subscribedTopicNames = names;
      bump = true;
    }
    member.subscribedTopicRegex = null;
    member.subscribedTopicPattern = null;
    member.classic = new ClassicMetadata(request.sessionTimeoutMs(), request.protocols());
    int epoch = cg.groupEpoch;
    rebalance().advance(group, member, bump, targets().byId(subscription.ownedPartitions()));
    boolean changed = cg.groupEpoch != epoch;

    ConsumerMember joined = member;
    joined.cancelClassicTimers();
    rebalance().scheduleSessionTimeout(group, joined);
    joined.syncTask =
        fenceAfter(group, joined, joined.rebalanceTimeoutMs, "did not sync within its timeout");
    JoinGroupResponseData response =
        new JoinGroupResponseData()
            .setMemberId(joined.memberId)
            .setGenerationId(joined.memberEpoch)
            .setProtocolType(GroupCoordinator.CONSUMER_PROTOCOL_TYPE)
            .setProtocolName(joined.classic.protocolName())
            .setLeader("")
            .setSkipAssignment(false);
    CompletableFuture<Void> written = maybeDowngrade(group, changed);
    if (written == null) {
      written = rebalance().persist(group, List.of());
    }
    return written.handle(
        (ok, e) ->
            e == null
                ? response
                : ClassicRebalance.joinError(
                    joined.memberId, GroupCoordinator.appendError(e, false), version));
  }

  /**
   * Whether the member's protocols fit the group: the "consumer" type, and a protocol every classic
   * member already in the group supports.
   */
  private static boolean supportsProtocols(ConsumerGroup cg, ClassicRebalance.JoinRequest request) {
    if (!GroupCoordinator.CONSUMER_PROTOCOL_TYPE.equals(request.protocolType())
        || request.protocols().isEmpty()) {
      return false;
    }
    Set<String> common = null;
    for (ConsumerMember m : cg.members()) {
      if (m.isClassic() && !m.memberId.equals(request.memberId())) {
        Set<String> names = new LinkedHashSet<>();
        m.classic.protocols().forEach(p -> names.add(p.name()));
        if (common == null) {
          common = names;
        } else {
          common.retainAll(names);
        }
      }
    }
    if (common == null) {
      return true;
    }
    for (GroupMember.Protocol p : request.protocols()) {
      if (common.contains(p.name())) {
        return true;
      }
    }
    return false;
  }

  // ---------------------------------------------------------------- SyncGroup

  /** A classic SyncGroup in a consumer group: the member's partitions. Caller holds the lock. */
  CompletableFuture<SyncGroupResponseData> sync(
      Group group,
      int generationId,
      String memberId,
      String instanceId,
      String protocolType,
      String protocolName,
      short version) {
    ConsumerMember member = classicMember(group.consumer, memberId, instanceId);
    Errors invalid = check(member, memberId, instanceId, generationId);
    if (invalid != Errors.NONE) {
      return done(ClassicRebalance.syncError(invalid, version));
    }
    if ((protocolType != null && !protocolType.equals(GroupCoordinator.CONSUMER_PROTOCOL_TYPE))
        || (protocolName != null && !protocolName.equals(member.classic.protocolName()))) {
      return done(ClassicRebalance.syncError(Errors.INCONSISTENT_GROUP_PROTOCOL, version));
    }
    ConsumerGroup cg = group.consumer;
    if (cg.groupEpoch > member.memberEpoch
        && member.state != ConsumerMember.State.UNREVOKED_PARTITIONS) {
      scheduleJoinTimeout(group, member);
      return done(ClassicRebalance.syncError(Errors.REBALANCE_IN_PROGRESS, version));
    }
    if (member.syncTask != null) {
      member.syncTask.cancel();
      member.syncTask = null;
    }
    rebalance().scheduleSessionTimeout(group, member);
    byte[] assignment =
        serializedAssignment(
            targets().topicNames(cg, member.assigned.partitions().keySet()),
            member.assigned,
            member.classic.protocols().get(0).metadata());
    SyncGroupResponseData response =
        new SyncGroupResponseData()
            .setProtocolType(protocolType)
            .setProtocolName(protocolName)
            .setAssignment(assignment);
    return cg.lastAppend.handle(
        (ok, e) ->
            e == null
                ? response
                : ClassicRebalance.syncError(GroupCoordinator.appendError(e, false), version));
  }

  // ---------------------------------------------------------------- Heartbeat

  /** A classic Heartbeat in a consumer group. Caller holds the lock. */
  Errors heartbeat(Group group, int generationId, String memberId, String instanceId) {
    ConsumerGroup cg = group.consumer;
    ConsumerMember member = classicMember(cg, memberId, instanceId);
    Errors invalid = check(member, memberId, instanceId, generationId);
    if (invalid != Errors.NONE) {
      return invalid;
    }
    rebalance().scheduleSessionTimeout(group, member);
    boolean rejoin =
        member.memberEpoch < cg.groupEpoch
            || member.state == ConsumerMember.State.UNREVOKED_PARTITIONS
            || (member.state == ConsumerMember.State.UNRELEASED_PARTITIONS
                && !waitsOnUnreleased(cg, member));
    if (rejoin) {
      scheduleJoinTimeout(group, member);
      return Errors.REBALANCE_IN_PROGRESS;
    }
    return Errors.NONE;
  }

  /** Whether a partition of the member's target that it does not have is still held by another. */
  private static boolean waitsOnUnreleased(ConsumerGroup cg, ConsumerMember member) {
    Assignment missing =
        cg.target.getOrDefault(member.memberId, Assignment.EMPTY).minus(member.assigned);
    return !missing.filter((t, p) -> cg.heldByOther(member.memberId, t, p)).isEmpty();
  }

  // ---------------------------------------------------------------- LeaveGroup

  /** What a LeaveGroup got: an error per identity, and the write of the removals. */
  record Left(List<Errors> errors, CompletableFuture<Void> written) {}

  /**
   * A LeaveGroup to a consumer group: each identity answered on its own, the valid ones removed
   * together. Members of either protocol may be named (the admin client removes members so). Caller
   * holds the lock.
   */
  Left leave(Group group, List<MemberIdentity> leaving) {
    ConsumerGroup cg = group.consumer;
    List<Errors> results = new ArrayList<>();
    List<ConsumerMember> removed = new ArrayList<>();
    for (MemberIdentity identity : leaving) {
      ConsumerMember member;
      if (identity.groupInstanceId() == null) {
        member = cg.members.get(identity.memberId());
      } else {
        member = cg.staticMember(identity.groupInstanceId());
        if (member != null
            && !identity.memberId().isEmpty()
            && !identity.memberId().equals(member.memberId)) {
          results.add(Errors.FENCED_INSTANCE_ID);
          continue;
        }
      }
      if (member == null) {
        results.add(Errors.UNKNOWN_MEMBER_ID);
        continue;
      }
      removed.add(member);
      results.add(Errors.NONE);
    }
    CompletableFuture<Void> written =
        removed.isEmpty()
            ? CompletableFuture.completedFuture(null)
            : rebalance().removeAndPersist(group, removed, "left the group");
    return new Left(results, written);
  }

  // ---------------------------------------------------------------- downgrade

  /** Whether a consumer group left with these members becomes a classic group. */
  boolean mayDowngradeTo(List<ConsumerMember> remaining) {
    return !remaining.isEmpty()
        && config.downgradeEnabled()
        && remaining.stream().allMatch(ConsumerMember::isClassic);
  }

  /**
   * {@link #downgrade}s the group if only classic members are in it (a classic member replaced the
   * last static member of the consumer protocol), rebalancing only if {@code rebalance}; else null.
   */
  CompletableFuture<Void> maybeDowngrade(Group group, boolean rebalance) {
    return mayDowngradeTo(List.copyOf(group.consumer.members()))
        ? downgrade(group, rebalance)
        : null;
  }

  /**
   * Makes a consumer group of classic members a classic group again, at a generation equal to its
   * epoch, and returns the write of that (the consumer group records deleted, the classic group's
   * record written). The classic group starts a rebalance at once: its members learn of it at their
   * next heartbeat. Caller holds the lock.
   */
  CompletableFuture<Void> downgrade(Group group, boolean rebalance) {
    ConsumerGroup cg = group.consumer;
    group.generationId = cg.groupEpoch;
    group.protocolType = GroupCoordinator.CONSUMER_PROTOCOL_TYPE;
    for (ConsumerMember m : cg.members()) {
      group.add(
          new GroupMember(
              m.memberId,
              m.instanceId,
              m.clientId,
              m.clientHost,
              m.rebalanceTimeoutMs,
              m.classic.sessionTimeoutMs(),
              GroupCoordinator.CONSUMER_PROTOCOL_TYPE,
              m.classic.protocols()));
    }
    group.protocolName = group.selectProtocol();
    Map<Uuid, String> names = targets().topicNames(cg, null);
    for (GroupMember member : group.members()) {
      member.assignment =
          serializedAssignment(
              names,
              cg.target.getOrDefault(member.memberId, Assignment.EMPTY),
              member.metadata(group.protocolName));
    }
    long now = timer.nowMs();
    group.restore(GroupState.STABLE, now);
    CompletableFuture<Void> written =
        rebalance()
            .deleteConsumerGroup(
                group,
                List.of(
                    GroupStore.groupRecord(
                        group.groupId, ClassicRebalance.snapshot(group, null), now)));
    log.info(
        "consumer group {} has only classic members left; it is a classic group again at"
            + " generation {}",
        group.groupId,
        group.generationId);
    ClassicRebalance classic = coordinator.rebalance();
    for (GroupMember member : group.members()) {
      classic.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
    }
    if (rebalance) {
      classic.prepareRebalance(
          group, "downgrade group " + group.groupId + " from consumer to classic");
    }
    return written;
  }

  // ---------------------------------------------------------------- helpers

  /** The member a classic request names, by instance id for a static one; null if none. */
  private static ConsumerMember classicMember(
      ConsumerGroup cg, String memberId, String instanceId) {
    return instanceId == null ? cg.members.get(memberId) : cg.staticMember(instanceId);
  }

  /** Kafka's checks of a classic member's SyncGroup or Heartbeat in a consumer group. */
  private static Errors check(
      ConsumerMember member, String memberId, String instanceId, int generationId) {
    if (member == null) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    if (instanceId != null && !member.memberId.equals(memberId)) {
      return Errors.FENCED_INSTANCE_ID;
    }
    if (!member.isClassic()) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    if (generationId != member.memberEpoch) {
      return Errors.ILLEGAL_GENERATION;
    }
    return Errors.NONE;
  }

  /** Fences the member if it has not rejoined within its rebalance timeout (set once). */
  private void scheduleJoinTimeout(Group group, ConsumerMember member) {
    if (member.joinTask == null) {
      member.joinTask =
          fenceAfter(
              group,
              member,
              member.rebalanceTimeoutMs,
              "did not rejoin within its rebalance timeout");
    }
  }

  /**
   * A deadline that fences the member unless, by then, it did what it owed: the task is still the
   * member's join or sync deadline (a rejoin or a sync replaces or clears it, even while this task
   * already waits for the lock).
   */
  private CoordinatorTimer.Task fenceAfter(
      Group group, ConsumerMember member, int delayMs, String why) {
    CoordinatorTimer.Task[] self = new CoordinatorTimer.Task[1];
    self[0] =
        timer.schedule(
            delayMs,
            () -> {
              synchronized (group) {
                boolean due = member.joinTask == self[0] || member.syncTask == self[0];
                if (due
                    && !group.is(GroupState.DEAD)
                    && group.consumer != null
                    && group.consumer.members.get(member.memberId) == member) {
                  rebalance().removeAndPersist(group, List.of(member), why + "; fenced");
                }
              }
            });
    return self[0];
  }

  /**
   * {@code assignment} as a classic member reads it in SyncGroup: ConsumerProtocol's encoding, in
   * the version of {@code subscription} (the member's metadata for its protocol), by topic name.
   */
  private static byte[] serializedAssignment(
      Map<Uuid, String> names, Assignment assignment, byte[] subscription) {
    List<TopicPartition> partitions = new ArrayList<>();
    assignment
        .partitions()
        .forEach(
            (id, ps) -> {
              String name = names.get(id);
              if (name != null) {
                ps.forEach(p -> partitions.add(new TopicPartition(name, p)));
              }
            });
    short version = ConsumerProtocol.deserializeVersion(ByteBuffer.wrap(subscription));
    ByteBuffer bytes =
        ConsumerProtocol.serializeAssignment(
            new org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Assignment(partitions),
            version);
    byte[] out = new byte[bytes.remaining()];
    bytes.get(out);
    return out;
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
