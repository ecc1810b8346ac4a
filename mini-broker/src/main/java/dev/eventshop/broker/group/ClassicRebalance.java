package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.MemberSnapshot;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupResponseData.MemberResponse;
import org.apache.kafka.common.message.SyncGroupRequestData.SyncGroupRequestAssignment;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The classic rebalance protocol, as Kafka's coordinator runs it for each group:
 *
 * <ol>
 *   <li>A change (a member joins, leaves, times out or changes its protocols) moves the group to
 *       PreparingRebalance. Every member must send JoinGroup again within the rebalance timeout.
 *   <li>When all members have rejoined, or the timeout expires and the missing members are evicted,
 *       the generation is bumped, a protocol is chosen by vote, and every JoinGroup is answered:
 *       the leader gets all members' metadata. The group is CompletingRebalance.
 *   <li>The leader sends the assignment in its SyncGroup; once it is persisted, every member's
 *       SyncGroup is answered with its share and the group is Stable.
 *   <li>Members heartbeat; a member silent for its session timeout is evicted, which starts the
 *       next rebalance. Heartbeats during a rebalance get REBALANCE_IN_PROGRESS.
 * </ol>
 *
 * <p>New dynamic members (JoinGroup v4+) first get MEMBER_ID_REQUIRED with an id to rejoin with, so
 * a client that times out and retries does not leave ghost members behind. Static members ({@code
 * group.instance.id}) keep their place across restarts: a rejoin with the same instance id replaces
 * (fences) the old incarnation without a rebalance if nothing changed.
 *
 * <p>Thread-safety: every method takes the group's lock ({@code synchronized (group)}) for all it
 * reads and writes; timer callbacks do the same and check an epoch so that a superseded timer does
 * nothing. Response futures are completed under the lock; their callbacks must not call back into
 * the coordinator synchronously (the network layer only queues the response).
 */
final class ClassicRebalance {

  private static final Logger log = LoggerFactory.getLogger(ClassicRebalance.class);

  /** How long a new member may wait in a rebalance without rejoining before it is dropped. */
  static final int NEW_MEMBER_JOIN_TIMEOUT_MS = 5 * 60 * 1000;

  /** A JoinGroup request, independent of its wire version. */
  record JoinRequest(
      String groupId,
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int sessionTimeoutMs,
      int rebalanceTimeoutMs,
      String protocolType,
      List<GroupMember.Protocol> protocols,
      short version,
      String reason) {

    boolean requireKnownMemberId() {
      return version >= 4;
    }

    boolean supportsSkipAssignment() {
      return version >= 9;
    }
  }

  private final GroupCoordinator coordinator;
  private final GroupConfig config;
  private final CoordinatorTimer timer;
  private final GroupStore store;

  ClassicRebalance(
      GroupCoordinator coordinator, GroupConfig config, CoordinatorTimer timer, GroupStore store) {
    this.coordinator = coordinator;
    this.config = config;
    this.timer = timer;
    this.store = store;
  }

  // ---------------------------------------------------------------- JoinGroup

  CompletableFuture<JoinGroupResponseData> join(JoinRequest request) {
    Errors unavailable = coordinator.checkGroupId(request.groupId());
    if (unavailable != Errors.NONE) {
      return done(joinError(request.memberId(), unavailable, request.version()));
    }
    if (request.sessionTimeoutMs() < config.minSessionTimeoutMs()
        || request.sessionTimeoutMs() > config.maxSessionTimeoutMs()) {
      return done(joinError(request.memberId(), Errors.INVALID_SESSION_TIMEOUT, request.version()));
    }
    boolean unknownMember = request.memberId().isEmpty();
    // A new member may race with the removal of an unused group: it then joins a fresh one.
    for (int attempt = 0; ; attempt++) {
      Group group =
          unknownMember
              ? coordinator.getOrCreateGroup(request.groupId())
              : coordinator.group(request.groupId());
      if (group == null) {
        return done(joinError(request.memberId(), Errors.UNKNOWN_MEMBER_ID, request.version()));
      }
      synchronized (group) {
        if (group.is(GroupState.DEAD)) {
          if (unknownMember && attempt < 2) {
            continue;
          }
          // Deleted or moved a moment ago: the client finds the coordinator again and retries.
          return done(
              joinError(request.memberId(), Errors.COORDINATOR_NOT_AVAILABLE, request.version()));
        }
        return joinLocked(group, request, unknownMember);
      }
    }
  }

  private CompletableFuture<JoinGroupResponseData> joinLocked(
      Group group, JoinRequest request, boolean unknownMember) {
    Set<String> names = new LinkedHashSet<>();
    request.protocols().forEach(p -> names.add(p.name()));
    CompletableFuture<JoinGroupResponseData> response;
    if (group.consumer != null) {
      if (!group.consumer.members.isEmpty()) {
        // KIP-848's online migration: a classic member in a consumer group.
        return coordinator.classicMembers().join(group, request);
      }
      // An empty consumer group becomes a classic group; its offsets stay.
      coordinator.consumerRebalance().toClassic(group);
    }
    if (!group.supportsProtocols(request.protocolType(), names)) {
      response =
          done(
              joinError(request.memberId(), Errors.INCONSISTENT_GROUP_PROTOCOL, request.version()));
    } else if (unknownMember) {
      response = joinNewMember(group, request);
    } else {
      response = joinKnownMember(group, request);
    }
    coordinator.removeIfUnused(group);
    return response;
  }

  private CompletableFuture<JoinGroupResponseData> joinNewMember(Group group, JoinRequest request) {
    String memberId = request.clientId() + "-" + UUID.randomUUID();
    if (request.groupInstanceId() != null) {
      String existing = group.staticMemberId(request.groupInstanceId());
      if (existing != null) {
        return replaceStaticMember(group, group.member(existing), memberId, request);
      }
      return addMemberAndRebalance(group, memberId, request);
    }
    if (request.requireKnownMemberId()) {
      // Two-phase join: the member retries with this id. If it never does, forget it.
      CoordinatorTimer.Task expiry =
          timer.schedule(request.sessionTimeoutMs(), () -> expirePendingMember(group, memberId));
      group.pendingMembers.put(memberId, expiry);
      return done(joinError(memberId, Errors.MEMBER_ID_REQUIRED, request.version()));
    }
    return addMemberAndRebalance(group, memberId, request);
  }

  private CompletableFuture<JoinGroupResponseData> joinKnownMember(
      Group group, JoinRequest request) {
    String memberId = request.memberId();
    CoordinatorTimer.Task pending = group.pendingMembers.remove(memberId);
    if (pending != null) {
      pending.cancel();
      return addMemberAndRebalance(group, memberId, request);
    }
    Errors invalid = validateMember(group, memberId, request.groupInstanceId());
    if (invalid != Errors.NONE) {
      return done(joinError(memberId, invalid, request.version()));
    }
    GroupMember member = group.member(memberId);
    switch (group.state()) {
      case PREPARING_REBALANCE:
        return updateMemberAndRebalance(group, member, request);
      case COMPLETING_REBALANCE:
        if (member.sameProtocols(request.protocols())) {
          // A retry of a JoinGroup already answered (the response may have been lost).
          member.joinVersion = request.version();
          scheduleHeartbeat(group, member, member.sessionTimeoutMs);
          return done(joinResponse(group, member, request.version(), false));
        }
        return updateMemberAndRebalance(group, member, request);
      case STABLE:
        if (group.isLeader(memberId) || !member.sameProtocols(request.protocols())) {
          // The leader rejoining means it saw a metadata change that needs a new assignment.
          return updateMemberAndRebalance(group, member, request);
        }
        scheduleHeartbeat(group, member, member.sessionTimeoutMs);
        return done(joinResponse(group, member, request.version(), false));
      default:
        return done(joinError(memberId, Errors.UNKNOWN_MEMBER_ID, request.version()));
    }
  }

  private CompletableFuture<JoinGroupResponseData> addMemberAndRebalance(
      Group group, String memberId, JoinRequest request) {
    GroupMember member =
        new GroupMember(
            memberId,
            request.groupInstanceId(),
            request.clientId(),
            request.clientHost(),
            request.rebalanceTimeoutMs(),
            request.sessionTimeoutMs(),
            request.protocolType(),
            request.protocols());
    member.isNew = true;
    group.add(member);
    if (group.inInitialDelay) {
      group.newMemberAdded = true;
    }
    CompletableFuture<JoinGroupResponseData> response = awaitJoin(member, request.version());
    // A new member cannot heartbeat until it has its id back; if it vanishes mid-rebalance it is
    // dropped after this timeout instead of stalling every rebalance until its own timeout.
    scheduleHeartbeat(group, member, NEW_MEMBER_JOIN_TIMEOUT_MS);
    log.info(
        "member {} joins group {} ({})",
        memberId,
        group.groupId,
        request.reason() == null ? "new member" : request.reason());
    maybePrepareRebalance(group, "member " + memberId + " joined");
    return response;
  }

  private CompletableFuture<JoinGroupResponseData> updateMemberAndRebalance(
      Group group, GroupMember member, JoinRequest request) {
    member.protocols = List.copyOf(request.protocols());
    member.sessionTimeoutMs = request.sessionTimeoutMs();
    member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
    member.clientId = request.clientId();
    member.clientHost = request.clientHost();
    CompletableFuture<JoinGroupResponseData> response = awaitJoin(member, request.version());
    maybePrepareRebalance(
        group,
        "member %s rejoined%s"
            .formatted(
                member.memberId, request.reason() == null ? "" : " (" + request.reason() + ")"));
    return response;
  }

  private CompletableFuture<JoinGroupResponseData> awaitJoin(GroupMember member, short version) {
    // A second JoinGroup from the same member supersedes the first.
    member.completeJoin(
        joinError(member.memberId, Errors.REBALANCE_IN_PROGRESS, member.joinVersion));
    CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
    member.awaitingJoin = response;
    member.joinVersion = version;
    return response;
  }

  /**
   * A static member came back under a new member id: the new incarnation takes the old one's place,
   * leadership and assignment, and the old one is fenced. A Stable group whose protocol would not
   * change needs no rebalance.
   */
  private CompletableFuture<JoinGroupResponseData> replaceStaticMember(
      Group group, GroupMember old, String newMemberId, JoinRequest request) {
    GroupMember fresh =
        new GroupMember(
            newMemberId,
            request.groupInstanceId(),
            request.clientId(),
            request.clientHost(),
            request.rebalanceTimeoutMs(),
            request.sessionTimeoutMs(),
            request.protocolType(),
            request.protocols());
    old.completeJoin(joinError(old.memberId, Errors.FENCED_INSTANCE_ID, old.joinVersion));
    old.completeSync(syncError(Errors.FENCED_INSTANCE_ID, old.syncVersion));
    group.replace(old, fresh);
    log.info(
        "static member {} of group {} rejoined as {}; the old member id is fenced",
        request.groupInstanceId(),
        group.groupId,
        newMemberId);
    if (group.is(GroupState.STABLE)
        && !group.candidateProtocols().isEmpty()
        && group.selectProtocol().equals(group.protocolName)) {
      scheduleHeartbeat(group, fresh, fresh.sessionTimeoutMs);
      CompletableFuture<JoinGroupResponseData> response = new CompletableFuture<>();
      int generation = group.generationId;
      // The new member id must survive a coordinator restart, so persist before answering.
      store
          .append(
              group.partition,
              List.of(GroupStore.groupRecord(group.groupId, snapshot(group, null), timer.nowMs())),
              timer.nowMs())
          .whenComplete(
              (ok, error) -> {
                synchronized (group) {
                  if (error != null) {
                    log.warn(
                        "cannot persist the new member id of static member {} in group {}",
                        request.groupInstanceId(),
                        group.groupId,
                        error);
                    if (group.member(newMemberId) == fresh && group.generationId == generation) {
                      group.replace(fresh, old);
                      scheduleHeartbeat(group, old, old.sessionTimeoutMs);
                    }
                    response.complete(
                        joinError(
                            newMemberId,
                            GroupCoordinator.appendError(error, false),
                            request.version()));
                  } else if (group.consumer != null || group.generationId != generation) {
                    // The group became a consumer group (or rebalanced) meanwhile: rejoin.
                    response.complete(
                        joinError(newMemberId, Errors.REBALANCE_IN_PROGRESS, request.version()));
                  } else {
                    response.complete(
                        joinResponse(
                            group, fresh, request.version(), request.supportsSkipAssignment()));
                  }
                }
              });
      return response;
    }
    CompletableFuture<JoinGroupResponseData> response = awaitJoin(fresh, request.version());
    scheduleHeartbeat(group, fresh, fresh.sessionTimeoutMs);
    maybePrepareRebalance(group, "static member " + request.groupInstanceId() + " rejoined");
    return response;
  }

  private void expirePendingMember(Group group, String memberId) {
    synchronized (group) {
      if (group.pendingMembers.remove(memberId) != null) {
        log.debug("pending member {} of group {} never rejoined", memberId, group.groupId);
        if (group.is(GroupState.PREPARING_REBALANCE)) {
          tryCompleteJoin(group);
        }
        coordinator.removeIfUnused(group);
      }
    }
  }

  // ---------------------------------------------------------------- rebalance phases

  private void maybePrepareRebalance(Group group, String reason) {
    switch (group.state()) {
      case EMPTY, STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
      case PREPARING_REBALANCE -> tryCompleteJoin(group);
      case DEAD -> {}
    }
  }

  /** Starts a rebalance (a consumer group that became classic starts one at once). Lock held. */
  void prepareRebalance(Group group, String reason) {
    if (group.is(GroupState.COMPLETING_REBALANCE)) {
      // Members waiting for an assignment of the old generation will never get one.
      for (GroupMember m : group.members()) {
        m.assignment = new byte[0];
        m.completeSync(syncError(Errors.REBALANCE_IN_PROGRESS, m.syncVersion));
      }
    }
    cancelSyncDeadline(group);
    boolean initial = group.is(GroupState.EMPTY) && config.initialRebalanceDelayMs() > 0;
    group.transitionTo(GroupState.PREPARING_REBALANCE, timer.nowMs());
    log.info(
        "preparing to rebalance group {} with old generation {} ({})",
        group.groupId,
        group.generationId,
        reason);
    cancelJoinDeadline(group);
    long epoch = group.joinEpoch;
    if (initial) {
      group.inInitialDelay = true;
      group.newMemberAdded = false;
      int delay = config.initialRebalanceDelayMs();
      int remaining = Math.max(group.rebalanceTimeoutMs() - delay, 0);
      group.joinDeadline =
          timer.schedule(delay, () -> onInitialDelayExpired(group, epoch, remaining));
    } else {
      group.joinDeadline =
          timer.schedule(group.rebalanceTimeoutMs(), () -> onJoinDeadline(group, epoch));
      tryCompleteJoin(group);
    }
  }

  /**
   * The first rebalance of an empty group waits {@code group.initial.rebalance.delay.ms}, and again
   * while new members keep arriving, up to the rebalance timeout, so that a group of consumers
   * starting together gets one rebalance instead of one per member.
   */
  private void onInitialDelayExpired(Group group, long epoch, int remainingMs) {
    synchronized (group) {
      if (group.joinEpoch != epoch || !group.is(GroupState.PREPARING_REBALANCE)) {
        return;
      }
      if (group.newMemberAdded && remainingMs > 0) {
        group.newMemberAdded = false;
        int delay = Math.min(config.initialRebalanceDelayMs(), remainingMs);
        int left = remainingMs - delay;
        group.joinDeadline = timer.schedule(delay, () -> onInitialDelayExpired(group, epoch, left));
        return;
      }
      group.inInitialDelay = false;
      completeJoin(group);
    }
  }

  private void onJoinDeadline(Group group, long epoch) {
    synchronized (group) {
      if (group.joinEpoch == epoch && group.is(GroupState.PREPARING_REBALANCE)) {
        completeJoin(group);
      }
    }
  }

  private void tryCompleteJoin(Group group) {
    if (group.is(GroupState.PREPARING_REBALANCE)
        && !group.inInitialDelay
        && group.allMembersJoined()) {
      completeJoin(group);
    }
  }

  /**
   * Ends the join phase: evicts members that did not rejoin, starts the next generation and answers
   * every waiting JoinGroup.
   */
  private void completeJoin(Group group) {
    cancelJoinDeadline(group);
    group.inInitialDelay = false;
    for (GroupMember missing : group.notYetRejoined()) {
      log.info(
          "member {} of group {} did not rejoin within the rebalance timeout; removing it",
          missing.memberId,
          group.groupId);
      group.remove(missing.memberId);
    }
    group.generationId++;
    long now = timer.nowMs();
    if (!group.hasMembers()) {
      group.protocolName = null;
      group.transitionTo(GroupState.EMPTY, now);
      log.info("group {} with generation {} is now empty", group.groupId, group.generationId);
      persistQuietly(group);
      return;
    }
    group.protocolName = group.selectProtocol();
    group.transitionTo(GroupState.COMPLETING_REBALANCE, now);
    log.info(
        "stabilized group {} generation {} with {} members, protocol {}",
        group.groupId,
        group.generationId,
        group.size(),
        group.protocolName);
    group.pendingSyncMembers.clear();
    for (GroupMember m : group.members()) {
      m.isNew = false;
      group.pendingSyncMembers.add(m.memberId);
      m.completeJoin(joinResponse(group, m, m.joinVersion, false));
      scheduleHeartbeat(group, m, m.sessionTimeoutMs);
    }
    long epoch = ++group.syncEpoch;
    group.syncDeadline =
        timer.schedule(group.rebalanceTimeoutMs(), () -> onSyncDeadline(group, epoch));
  }

  /** Members that got their JoinGroup response but never sent SyncGroup are evicted. */
  private void onSyncDeadline(Group group, long epoch) {
    synchronized (group) {
      if (group.syncEpoch != epoch || group.pendingSyncMembers.isEmpty()) {
        return;
      }
      if (!group.is(GroupState.COMPLETING_REBALANCE) && !group.is(GroupState.STABLE)) {
        return;
      }
      for (String memberId : List.copyOf(group.pendingSyncMembers)) {
        log.info(
            "member {} of group {} did not send SyncGroup in time; removing it",
            memberId,
            group.groupId);
        GroupMember m = group.remove(memberId);
        if (m != null) {
          m.completeSync(syncError(Errors.UNKNOWN_MEMBER_ID, m.syncVersion));
        }
      }
      prepareRebalance(group, "members did not sync");
    }
  }

  private void cancelJoinDeadline(Group group) {
    group.joinEpoch++;
    if (group.joinDeadline != null) {
      group.joinDeadline.cancel();
      group.joinDeadline = null;
    }
  }

  private void cancelSyncDeadline(Group group) {
    group.syncEpoch++;
    group.pendingSyncMembers.clear();
    if (group.syncDeadline != null) {
      group.syncDeadline.cancel();
      group.syncDeadline = null;
    }
  }

  // ---------------------------------------------------------------- SyncGroup

  CompletableFuture<SyncGroupResponseData> sync(
      String groupId,
      int generationId,
      String memberId,
      String groupInstanceId,
      String protocolType,
      String protocolName,
      List<SyncGroupRequestAssignment> assignments,
      short version) {
    Errors unavailable = coordinator.checkGroupId(groupId);
    if (unavailable != Errors.NONE) {
      return done(syncError(unavailable, version));
    }
    Group group = coordinator.group(groupId);
    if (group == null) {
      return done(syncError(Errors.UNKNOWN_MEMBER_ID, version));
    }
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        return done(syncError(Errors.COORDINATOR_NOT_AVAILABLE, version));
      }
      if (group.consumer != null) {
        return coordinator
            .classicMembers()
            .sync(
                group,
                generationId,
                memberId,
                groupInstanceId,
                protocolType,
                protocolName,
                version);
      }
      Errors invalid = validateMember(group, memberId, groupInstanceId);
      if (invalid != Errors.NONE) {
        return done(syncError(invalid, version));
      }
      if (generationId != group.generationId) {
        return done(syncError(Errors.ILLEGAL_GENERATION, version));
      }
      if ((protocolType != null && !protocolType.equals(group.protocolType))
          || (protocolName != null && !protocolName.equals(group.protocolName))) {
        return done(syncError(Errors.INCONSISTENT_GROUP_PROTOCOL, version));
      }
      GroupMember member = group.member(memberId);
      switch (group.state()) {
        case PREPARING_REBALANCE:
          return done(syncError(Errors.REBALANCE_IN_PROGRESS, version));
        case COMPLETING_REBALANCE:
          {
            member.completeSync(syncError(Errors.REBALANCE_IN_PROGRESS, member.syncVersion));
            CompletableFuture<SyncGroupResponseData> response = new CompletableFuture<>();
            member.awaitingSync = response;
            member.syncVersion = version;
            group.pendingSyncMembers.remove(memberId);
            scheduleHeartbeat(group, member, member.sessionTimeoutMs);
            if (group.isLeader(memberId)) {
              storeAssignment(group, assignments);
            }
            return response;
          }
        case STABLE:
          group.pendingSyncMembers.remove(memberId);
          scheduleHeartbeat(group, member, member.sessionTimeoutMs);
          return done(syncResponse(group, member.assignment, version));
        default:
          return done(syncError(Errors.UNKNOWN_MEMBER_ID, version));
      }
    }
  }

  /** Persists the leader's assignment; once committed, hands it out and the group is Stable. */
  private void storeAssignment(Group group, List<SyncGroupRequestAssignment> assignments) {
    Map<String, byte[]> byMember = new HashMap<>();
    for (SyncGroupRequestAssignment a : assignments) {
      if (group.has(a.memberId())) {
        byMember.put(a.memberId(), a.assignment());
      }
    }
    int generation = group.generationId;
    long now = timer.nowMs();
    store
        .append(
            group.partition,
            List.of(GroupStore.groupRecord(group.groupId, snapshot(group, byMember), now)),
            now)
        .whenComplete(
            (ok, error) -> {
              synchronized (group) {
                if (!group.is(GroupState.COMPLETING_REBALANCE)
                    || group.generationId != generation) {
                  return; // a newer rebalance started meanwhile; its members rejoin anyway
                }
                if (error != null) {
                  log.warn("cannot persist the assignment of group {}", group.groupId, error);
                  Errors e = GroupCoordinator.appendError(error, false);
                  for (GroupMember m : group.members()) {
                    m.assignment = new byte[0];
                    m.completeSync(syncError(e, m.syncVersion));
                  }
                  prepareRebalance(group, "the assignment could not be stored");
                  return;
                }
                for (GroupMember m : group.members()) {
                  m.assignment = byMember.getOrDefault(m.memberId, new byte[0]);
                  m.completeSync(syncResponse(group, m.assignment, m.syncVersion));
                }
                group.transitionTo(GroupState.STABLE, timer.nowMs());
              }
            });
  }

  // ---------------------------------------------------------------- Heartbeat

  Errors heartbeat(String groupId, int generationId, String memberId, String groupInstanceId) {
    Errors unavailable = coordinator.checkGroupId(groupId);
    if (unavailable != Errors.NONE) {
      return unavailable;
    }
    Group group = coordinator.group(groupId);
    if (group == null) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        return Errors.COORDINATOR_NOT_AVAILABLE;
      }
      if (group.consumer != null) {
        return coordinator
            .classicMembers()
            .heartbeat(group, generationId, memberId, groupInstanceId);
      }
      Errors invalid = validateMember(group, memberId, groupInstanceId);
      if (invalid != Errors.NONE) {
        return invalid;
      }
      if (generationId != group.generationId) {
        return Errors.ILLEGAL_GENERATION;
      }
      GroupMember member = group.member(memberId);
      return switch (group.state()) {
        case PREPARING_REBALANCE -> {
          scheduleHeartbeat(group, member, member.sessionTimeoutMs);
          yield Errors.REBALANCE_IN_PROGRESS;
        }
        case COMPLETING_REBALANCE, STABLE -> {
          scheduleHeartbeat(group, member, member.sessionTimeoutMs);
          yield Errors.NONE;
        }
        default -> Errors.UNKNOWN_MEMBER_ID;
      };
    }
  }

  /** Restarts a member's session timer; called by the group lock holder. */
  void scheduleHeartbeat(Group group, GroupMember member, int timeoutMs) {
    member.cancelHeartbeat();
    long epoch = member.heartbeatEpoch;
    String memberId = member.memberId;
    member.heartbeatTask =
        timer.schedule(timeoutMs, () -> onSessionExpired(group, memberId, epoch));
  }

  private void onSessionExpired(Group group, String memberId, long epoch) {
    synchronized (group) {
      GroupMember member = group.member(memberId);
      if (member == null || member.heartbeatEpoch != epoch) {
        return;
      }
      if (!member.isNew && (member.isAwaitingJoin() || member.isAwaitingSync())) {
        return; // the rebalance and sync deadlines govern members that are mid-rebalance
      }
      log.info(
          "member {} of group {} has not heartbeated within its session timeout; removing it",
          memberId,
          group.groupId);
      removeMemberAndUpdateGroup(group, member, "session timeout of " + memberId);
    }
  }

  // ---------------------------------------------------------------- LeaveGroup

  /**
   * LeaveGroup: each identity answered on its own. From a consumer group (KIP-848's classic
   * members) the answer waits for the write of the removal.
   */
  CompletableFuture<LeaveGroupResponseData> leave(String groupId, List<MemberIdentity> leaving) {
    LeaveGroupResponseData response = new LeaveGroupResponseData();
    Errors unavailable = coordinator.checkGroupId(groupId);
    if (unavailable != Errors.NONE) {
      return done(response.setErrorCode(unavailable.code()));
    }
    Group group = coordinator.group(groupId);
    List<MemberResponse> results = new ArrayList<>();
    if (group == null) {
      for (MemberIdentity m : leaving) {
        results.add(memberResult(m, Errors.UNKNOWN_MEMBER_ID));
      }
      return done(response.setMembers(results));
    }
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        return done(response.setErrorCode(Errors.COORDINATOR_NOT_AVAILABLE.code()));
      }
      if (group.consumer != null) {
        ClassicMembers.Left left = coordinator.classicMembers().leave(group, leaving);
        for (int i = 0; i < leaving.size(); i++) {
          results.add(memberResult(leaving.get(i), left.errors().get(i)));
        }
        LeaveGroupResponseData answer = response.setMembers(results);
        return left.written()
            .handle(
                (ok, e) ->
                    e == null
                        ? answer
                        : new LeaveGroupResponseData()
                            .setErrorCode(GroupCoordinator.appendError(e, false).code()));
      }
      for (MemberIdentity m : leaving) {
        results.add(memberResult(m, leaveOne(group, m)));
      }
      coordinator.removeIfUnused(group);
    }
    return done(response.setMembers(results));
  }

  private Errors leaveOne(Group group, MemberIdentity leaving) {
    String memberId = leaving.memberId();
    if (leaving.groupInstanceId() != null) {
      String current = group.staticMemberId(leaving.groupInstanceId());
      if (current == null) {
        return Errors.UNKNOWN_MEMBER_ID;
      }
      if (!memberId.isEmpty() && !memberId.equals(current)) {
        return Errors.FENCED_INSTANCE_ID;
      }
      memberId = current;
    } else {
      CoordinatorTimer.Task pending = group.pendingMembers.remove(memberId);
      if (pending != null) {
        pending.cancel();
        if (group.is(GroupState.PREPARING_REBALANCE)) {
          tryCompleteJoin(group);
        }
        return Errors.NONE;
      }
    }
    GroupMember member = group.member(memberId);
    if (member == null) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    String reason =
        leaving.reason() == null || leaving.reason().isEmpty()
            ? "member " + memberId + " left"
            : leaving.reason();
    log.info("member {} leaves group {} ({})", memberId, group.groupId, reason);
    removeMemberAndUpdateGroup(group, member, reason);
    return Errors.NONE;
  }

  private static MemberResponse memberResult(MemberIdentity m, Errors error) {
    return new MemberResponse()
        .setMemberId(m.memberId())
        .setGroupInstanceId(m.groupInstanceId())
        .setErrorCode(error.code());
  }

  private void removeMemberAndUpdateGroup(Group group, GroupMember member, String reason) {
    member.completeJoin(joinError(member.memberId, Errors.UNKNOWN_MEMBER_ID, member.joinVersion));
    member.completeSync(syncError(Errors.UNKNOWN_MEMBER_ID, member.syncVersion));
    group.remove(member.memberId);
    switch (group.state()) {
      case STABLE, COMPLETING_REBALANCE -> prepareRebalance(group, reason);
      case PREPARING_REBALANCE -> tryCompleteJoin(group);
      default -> {}
    }
  }

  /** Fails everything a group's members wait for; the group is going away from this broker. */
  void shutdownGroup(Group group, Errors error) {
    cancelJoinDeadline(group);
    cancelSyncDeadline(group);
    group.pendingMembers.values().forEach(CoordinatorTimer.Task::cancel);
    group.pendingMembers.clear();
    for (GroupMember m : group.members()) {
      m.cancelHeartbeat();
      m.completeJoin(joinError(m.memberId, error, m.joinVersion));
      m.completeSync(syncError(error, m.syncVersion));
    }
  }

  // ---------------------------------------------------------------- helpers

  /**
   * Checks that {@code memberId} is a current member. A static member's instance id must map to
   * exactly this member id; another id means this request comes from a fenced incarnation.
   */
  static Errors validateMember(Group group, String memberId, String groupInstanceId) {
    if (groupInstanceId != null) {
      String current = group.staticMemberId(groupInstanceId);
      if (current == null) {
        return Errors.UNKNOWN_MEMBER_ID;
      }
      if (!current.equals(memberId)) {
        return Errors.FENCED_INSTANCE_ID;
      }
    }
    return group.has(memberId) ? Errors.NONE : Errors.UNKNOWN_MEMBER_ID;
  }

  /** The group's metadata as persisted, with {@code assignments} if given (else the current). */
  static GroupSnapshot snapshot(Group group, Map<String, byte[]> assignments) {
    List<MemberSnapshot> members = new ArrayList<>();
    for (GroupMember m : group.members()) {
      byte[] metadata = group.protocolName == null ? null : m.metadata(group.protocolName);
      members.add(
          new MemberSnapshot(
              m.memberId,
              m.groupInstanceId,
              m.clientId,
              m.clientHost,
              m.rebalanceTimeoutMs,
              m.sessionTimeoutMs,
              metadata == null ? new byte[0] : metadata,
              assignments == null
                  ? m.assignment
                  : assignments.getOrDefault(m.memberId, new byte[0])));
    }
    return new GroupSnapshot(
        group.protocolType,
        group.generationId,
        group.protocolName,
        group.leaderId,
        group.stateTimestampMs(),
        members);
  }

  private void persistQuietly(Group group) {
    long now = timer.nowMs();
    store
        .append(
            group.partition,
            List.of(GroupStore.groupRecord(group.groupId, snapshot(group, null), now)),
            now)
        .whenComplete(
            (ok, error) -> {
              if (error != null) {
                log.warn("cannot persist the metadata of group {}", group.groupId, error);
              }
            });
  }

  private static JoinGroupResponseData joinResponse(
      Group group, GroupMember member, short version, boolean skipAssignment) {
    boolean leader = group.isLeader(member.memberId);
    JoinGroupResponseData r =
        new JoinGroupResponseData()
            .setErrorCode(Errors.NONE.code())
            .setGenerationId(group.generationId)
            .setProtocolName(group.protocolName)
            .setLeader(group.leaderId)
            .setMemberId(member.memberId);
    if (version >= 7) {
      r.setProtocolType(group.protocolType);
    }
    // The leader needs everyone's metadata to compute the assignment. A static leader that
    // rejoined without a change keeps the current assignment: from v9 it is told to skip.
    boolean sendMembers =
        leader && (skipAssignment || member.isAwaitingJoin() || !group.is(GroupState.STABLE));
    if (sendMembers) {
      List<JoinGroupResponseMember> members = new ArrayList<>();
      for (GroupMember m : group.members()) {
        JoinGroupResponseMember jm =
            new JoinGroupResponseMember()
                .setMemberId(m.memberId)
                .setMetadata(m.metadata(group.protocolName));
        if (version >= 5) {
          jm.setGroupInstanceId(m.groupInstanceId);
        }
        members.add(jm);
      }
      r.setMembers(members);
    }
    if (version >= 9) {
      r.setSkipAssignment(skipAssignment && leader);
    }
    return r;
  }

  static JoinGroupResponseData joinError(String memberId, Errors error, short version) {
    return new JoinGroupResponseData()
        .setErrorCode(error.code())
        .setGenerationId(-1)
        .setProtocolName(version >= 7 ? null : "")
        .setLeader("")
        .setMemberId(memberId == null ? "" : memberId);
  }

  private static SyncGroupResponseData syncResponse(Group group, byte[] assignment, short version) {
    SyncGroupResponseData r =
        new SyncGroupResponseData().setErrorCode(Errors.NONE.code()).setAssignment(assignment);
    if (version >= 5) {
      r.setProtocolType(group.protocolType).setProtocolName(group.protocolName);
    }
    return r;
  }

  /** An error answer; it carries no protocol type or name in any version, as Kafka's does. */
  static SyncGroupResponseData syncError(Errors error, short version) {
    return new SyncGroupResponseData().setErrorCode(error.code()).setAssignment(new byte[0]);
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
