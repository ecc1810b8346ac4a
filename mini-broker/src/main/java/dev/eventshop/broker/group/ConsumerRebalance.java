package dev.eventshop.broker.group;

import com.google.re2j.Pattern;
import com.google.re2j.PatternSyntaxException;
import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.group.ConsumerGroupRecords.Image;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The consumer group protocol of KIP-848 (Kafka 4's default for new consumers with {@code
 * group.protocol=consumer}): there is no JoinGroup/SyncGroup round and no group leader. Each member
 * sends ConsumerGroupHeartbeat with its subscription and the partitions it owns; the coordinator
 * bumps the group epoch when what the assignment depends on changes, computes the target assignment
 * with a {@link ServerAssignor}, and moves each member towards its target one heartbeat at a time:
 *
 * <ol>
 *   <li>a member that owns partitions its target does not contain must revoke them first; it keeps
 *       its epoch meanwhile (UNREVOKED_PARTITIONS), and is fenced if it has not done so within its
 *       rebalance timeout;
 *   <li>then it moves to the assignment epoch and gets the partitions of its target that no other
 *       member holds any more; those still held follow at a later heartbeat
 *       (UNRELEASED_PARTITIONS);
 *   <li>with all of them it is STABLE.
 * </ol>
 *
 * So a partition is never owned by two members at once, and members that keep their partitions
 * never stop consuming them during a rebalance. A member that misses its session timeout ({@code
 * group.consumer.session.timeout.ms}) is fenced: removed, and the group epoch bumped.
 *
 * <p>Every change is written to {@code __consumer_offsets} in Kafka's records ({@link
 * ConsumerGroupRecords}) before the heartbeat is answered, so a coordinator that takes over the
 * group ({@link #resume}) continues with the same members, epochs and assignments: nobody rejoins.
 *
 * <p>Thread-safety: every method takes the group's lock; timer tasks take it too.
 */
final class ConsumerRebalance {

  private static final Logger log = LoggerFactory.getLogger(ConsumerRebalance.class);

  static final int LEAVE_EPOCH = -1;
  static final int STATIC_LEAVE_EPOCH = -2;

  private final GroupCoordinator coordinator;
  private final GroupConfig config;
  private final CoordinatorTimer timer;
  private final TopicCatalog topics;
  private final GroupStore store;
  private final ConsumerTargets targets;

  ConsumerRebalance(
      GroupCoordinator coordinator,
      GroupConfig config,
      CoordinatorTimer timer,
      TopicCatalog topics,
      GroupStore store) {
    this.coordinator = coordinator;
    this.config = config;
    this.timer = timer;
    this.topics = topics;
    this.store = store;
    this.targets = new ConsumerTargets(config, topics);
  }

  /**
   * One ConsumerGroupHeartbeat. The group changes at once; the answer completes once the records of
   * the change are committed to {@code __consumer_offsets}.
   */
  CompletableFuture<ConsumerGroupHeartbeatResponseData> heartbeat(
      ConsumerGroupHeartbeatRequestData request,
      short version,
      String clientId,
      String clientHost) {
    String invalid = whyInvalid(request, version);
    if (invalid != null) {
      return done(error(Errors.INVALID_REQUEST, invalid));
    }
    String groupId = request.groupId();
    Errors unavailable = coordinator.checkGroupId(groupId);
    if (unavailable != Errors.NONE) {
      return done(error(unavailable, null));
    }
    ConsumerGroupHeartbeatResponseData unsupported = assignorError(request);
    if (unsupported != null) {
      return done(unsupported);
    }
    int epoch = request.memberEpoch();
    if (epoch == LEAVE_EPOCH || epoch == STATIC_LEAVE_EPOCH) {
      return leave(request);
    }
    Group group = coordinator.group(groupId);
    if (group == null) {
      if (epoch != 0) {
        return done(error(Errors.GROUP_ID_NOT_FOUND, "Consumer group " + groupId + " not found."));
      }
      group = coordinator.getOrCreateGroup(groupId);
    }
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        // Deleted or moved away between the lookup and the lock: the client looks again.
        return done(error(Errors.NOT_COORDINATOR, null));
      }
      boolean upgraded = false;
      if (group.consumer == null) {
        if (epoch != 0) {
          return done(
              error(Errors.GROUP_ID_NOT_FOUND, "Group " + groupId + " is not a consumer group."));
        }
        if (group.hasMembers() || !group.is(GroupState.EMPTY)) {
          // KIP-848's online upgrade: the classic members stay, as classic members. (A joining
          // member's own refusal comes first: the group must not change for it.)
          ConsumerGroupHeartbeatResponseData refused;
          try {
            regexOf(request, version);
            refused = coordinator.classicMembers().upgrade(group);
          } catch (PatternSyntaxException e) {
            refused = invalidRegex(request, e);
          }
          if (refused != null) {
            return done(refused);
          }
          upgraded = true;
        }
      }
      // A classic group that is taken over loses its classic record, as in Kafka.
      boolean classicRecord =
          upgraded
              || (group.consumer == null && (group.protocolType != null || group.generationId > 0));
      ConsumerGroupHeartbeatResponseData response =
          heartbeat(group, request, version, clientId, clientHost);
      if (group.consumer == null) {
        coordinator.removeIfUnused(group); // created for a join that was refused
        return done(response);
      }
      if (response.errorCode() != Errors.NONE.code() && !upgraded) {
        return done(response);
      }
      List<SimpleRecord> extra =
          classicRecord ? List.of(GroupStore.groupRecord(groupId, null, timer.nowMs())) : List.of();
      return answerWhenWritten(persist(group, extra), response);
    }
  }

  /**
   * Writes what changed in {@code group}'s consumer group since its last write ({@link
   * ConsumerGroup#logged}), plus {@code extra}, and returns the append. With nothing to write it
   * returns the group's last append: an answer never gets ahead of the records of a change it
   * reports. A failed append leaves the log unknown, so the next write is a whole one. Caller holds
   * the lock.
   */
  CompletableFuture<Void> persist(Group group, List<SimpleRecord> extra) {
    ConsumerGroup cg = group.consumer;
    Image before = cg.logged;
    Image after = Image.of(cg);
    List<SimpleRecord> records = new ArrayList<>(extra);
    records.addAll(ConsumerGroupRecords.changes(group.groupId, before, after, timer.nowMs()));
    if (records.isEmpty()) {
      return cg.lastAppend;
    }
    cg.logged = after;
    CompletableFuture<Void> appended = store.append(group.partition, records, timer.nowMs());
    cg.lastAppend = appended;
    appended.whenComplete(
        (ok, e) -> {
          if (e != null) {
            log.warn("cannot store consumer group {}", group.groupId, e);
            synchronized (group) {
              if (group.consumer == cg) {
                cg.logged = Image.unknown(before, after, cg.logged);
              }
            }
          }
        });
    return appended;
  }

  /** {@code response} once {@code appended} is committed, or the error the append got. */
  private static CompletableFuture<ConsumerGroupHeartbeatResponseData> answerWhenWritten(
      CompletableFuture<Void> appended, ConsumerGroupHeartbeatResponseData response) {
    return appended.handle(
        (ok, e) -> e == null ? response : error(GroupCoordinator.appendError(e, false), null));
  }

  /**
   * The tombstones of every record {@code group}'s consumer group may have in the log: for a group
   * that is deleted or becomes classic. Caller holds the lock.
   */
  List<SimpleRecord> tombstones(Group group) {
    ConsumerGroup cg = group.consumer;
    if (cg == null) {
      return group.consumerLeftovers == null
          ? List.of()
          : ConsumerGroupRecords.changes(
              group.groupId, group.consumerLeftovers, null, timer.nowMs());
    }
    return ConsumerGroupRecords.changes(
        group.groupId, Image.unknown(cg.logged, Image.of(cg), null), null, timer.nowMs());
  }

  /**
   * Takes over a consumer group rebuilt from {@code __consumer_offsets} by a new coordinator: its
   * members keep their epochs and partitions and get a full session to heartbeat here. If the
   * subscribed topics changed meanwhile (the target no longer covers exactly their partitions), the
   * next heartbeat bumps the group epoch. Caller holds the lock.
   */
  void resume(Group group, ConsumerGroup consumer) {
    consumer.logged = Image.of(consumer);
    adopt(group, consumer);
  }

  /**
   * Makes {@code consumer} the membership of {@code group}, its members with a full session from
   * now: one rebuilt from the log ({@link #resume}) or a classic group's members ({@link
   * ClassicMembers#upgrade}). Caller holds the lock.
   */
  void adopt(Group group, ConsumerGroup consumer) {
    group.consumer = consumer;
    group.protocolType = GroupCoordinator.CONSUMER_PROTOCOL_TYPE;
    consumer.assignorName = targets.preferredAssignor(consumer);
    consumer.subscribedTopics = targets.subscribedTopics(consumer);
    consumer.targetStale = !ConsumerTargets.covers(consumer, consumer.subscribedTopics);
    for (ConsumerMember m : consumer.members()) {
      scheduleSessionTimeout(group, m);
      if (m.state == ConsumerMember.State.UNREVOKED_PARTITIONS
          && m.memberEpoch != STATIC_LEAVE_EPOCH
          && !m.isClassic()) { // a classic member has its join deadline instead
        scheduleRevocationTimeout(group, m);
      }
    }
    if (consumer.members.isEmpty()) {
      // Offsets of an empty consumer group expire counting from their commits, as in Kafka.
      group.restore(GroupState.EMPTY, -1);
    }
  }

  /**
   * An empty consumer group becomes a classic group (a classic member joins): its consumer group
   * records are deleted, its offsets stay. Caller holds the lock.
   */
  void toClassic(Group group) {
    deleteConsumerGroup(group, List.of());
    log.info("group {} now uses the classic group protocol", group.groupId);
  }

  /**
   * Ends {@code group}'s consumer group: its timers stop, and its records are deleted in one write
   * with {@code extra} after them (a classic group's record). If that write fails, the records it
   * should have deleted are remembered ({@link Group#consumerLeftovers}) for the next consumer
   * group of this id to delete. Caller holds the lock.
   */
  CompletableFuture<Void> deleteConsumerGroup(Group group, List<SimpleRecord> extra) {
    ConsumerGroup cg = group.consumer;
    Image leftovers = Image.unknown(cg.logged, Image.of(cg));
    List<SimpleRecord> records = new ArrayList<>(tombstones(group));
    records.addAll(extra);
    shutdown(group);
    group.consumer = null;
    CompletableFuture<Void> written = store.append(group.partition, records, timer.nowMs());
    written.whenComplete(
        (ok, e) -> {
          if (e != null) {
            log.warn("cannot delete the consumer group records of {}", group.groupId, e);
            synchronized (group) {
              if (group.consumer == null) {
                group.consumerLeftovers = leftovers;
              } else {
                ConsumerGroup now = group.consumer;
                now.logged = Image.unknown(leftovers, now.logged, Image.of(now));
              }
            }
          }
        });
    return written;
  }

  private ConsumerGroupHeartbeatResponseData heartbeat(
      Group group,
      ConsumerGroupHeartbeatRequestData request,
      short version,
      String clientId,
      String clientHost) {
    ConsumerGroup cg = group.consumer != null ? group.consumer : new ConsumerGroup();
    int epoch = request.memberEpoch();
    Assignment owned = Assignment.fromRequest(request.topicPartitions());
    ConsumerMember member;
    if (epoch == 0) {
      String memberId =
          version == 0 && request.memberId().isEmpty()
              ? Uuid.randomUuid().toString()
              : request.memberId();
      member = cg.members.get(memberId);
      ConsumerMember holder =
          request.instanceId() == null ? null : cg.staticMember(request.instanceId());
      if (holder != null
          && !holder.memberId.equals(memberId)
          && holder.memberEpoch != STATIC_LEAVE_EPOCH
          && !holder.isClassic()) { // a classic incarnation is replaced (online upgrade)
        return error(
            Errors.UNRELEASED_INSTANCE_ID,
            "Static member "
                + memberId
                + " with instance id "
                + request.instanceId()
                + " cannot join the group because the instance id is owned by "
                + holder.memberId
                + " member.");
      }
      if (member == null) {
        if (cg.members.size() >= config.consumerMaxSize()) {
          return full();
        }
        member = new ConsumerMember(memberId);
      }
    } else {
      Lookup found = existingMember(cg, request, group.groupId);
      if (found.error() != null) {
        return found.error();
      }
      member = found.member();
      String fenced = whyFenced(member, epoch, owned);
      if (fenced != null) {
        return error(Errors.FENCED_MEMBER_EPOCH, fenced);
      }
    }
    Pattern pattern;
    try {
      pattern = regexOf(request, version);
    } catch (PatternSyntaxException e) {
      return invalidRegex(request, e);
    }
    String assignor = request.serverAssignor();
    String regex = version >= 1 ? request.subscribedTopicRegex() : null;

    // Valid: from here on the group changes.
    boolean bump = false;
    if (group.consumer == null) {
      group.consumer = cg; // an empty classic group becomes a consumer group; its offsets stay
      cg.logged = group.takeConsumerLeftovers();
      group.pendingMembers.values().forEach(CoordinatorTimer.Task::cancel);
      group.pendingMembers.clear();
      group.protocolType = GroupCoordinator.CONSUMER_PROTOCOL_TYPE;
      log.info("group {} now uses the consumer group protocol", group.groupId);
    }
    if (epoch == 0 && request.instanceId() != null && !cg.members.containsKey(member.memberId)) {
      ConsumerMember away = cg.staticMember(request.instanceId());
      if (away != null) {
        replace(group, away, member);
      }
    }
    if (!cg.members.containsKey(member.memberId)) {
      cg.members.put(member.memberId, member);
      scheduleSessionTimeout(group, member); // from now on it expires, whatever follows
      bump = true;
      log.info(
          "member {} (client {}) joined consumer group {}",
          member.memberId,
          clientId,
          group.groupId);
    }
    member.clientId = clientId;
    member.clientHost = clientHost;
    if (member.isClassic()) {
      member.classic = null; // it speaks the consumer group protocol now, as in Kafka
      member.cancelClassicTimers();
    }
    if (request.instanceId() != null) {
      member.instanceId = request.instanceId();
    }
    if (request.rackId() != null && !request.rackId().equals(member.rackId)) {
      member.rackId = request.rackId();
      bump = true;
    }
    if (request.rebalanceTimeoutMs() != -1) {
      member.rebalanceTimeoutMs = request.rebalanceTimeoutMs();
    }
    if (request.subscribedTopicNames() != null) {
      List<String> names = ConsumerMember.topicNames(request.subscribedTopicNames());
      if (!names.equals(member.subscribedTopicNames)) {
        member.subscribedTopicNames = names;
        bump = true;
      }
    }
    if (regex != null) {
      String value = regex.isEmpty() ? null : regex;
      if (!Objects.equals(value, member.subscribedTopicRegex)) {
        member.subscribedTopicRegex = value;
        member.subscribedTopicPattern = pattern;
        bump = true;
      }
    }
    if (assignor != null && !assignor.equals(member.serverAssignor)) {
      member.serverAssignor = assignor;
      bump = true;
    }
    Assignment before = member.assigned;
    advance(group, member, bump, owned);
    scheduleSessionTimeout(group, member);

    ConsumerGroupHeartbeatResponseData response =
        new ConsumerGroupHeartbeatResponseData()
            .setMemberId(member.memberId)
            .setMemberEpoch(member.memberEpoch)
            .setHeartbeatIntervalMs(config.consumerHeartbeatIntervalMs());
    boolean fullRequest =
        epoch == 0
            || (request.rebalanceTimeoutMs() != -1
                && (request.subscribedTopicNames() != null || regex != null)
                && owned != null);
    if (fullRequest || !before.equals(member.assigned)) {
      response.setAssignment(
          new ConsumerGroupHeartbeatResponseData.Assignment()
              .setTopicPartitions(member.assigned.toResponse()));
    }
    return response;
  }

  /**
   * After a member's subscription was updated ({@code bump}: it changed, or the member is new):
   * bumps the group epoch if the assignment depends on something new, computes the target if it is
   * behind, and moves the member towards it. {@code owned}: what the member says it owns, or null.
   */
  void advance(Group group, ConsumerMember member, boolean bump, Assignment owned) {
    ConsumerGroup cg = group.consumer;
    Map<String, TopicCatalog.Topic> subscribed = targets.subscribedTopics(cg);
    if (!subscribed.equals(cg.subscribedTopics) || cg.targetStale) {
      cg.subscribedTopics = subscribed;
      cg.targetStale = false;
      bump = true;
    }
    if (bump) {
      cg.groupEpoch++;
    }
    if (cg.groupEpoch > cg.assignmentEpoch) {
      targets.compute(group.groupId, cg);
    }
    reconcile(group, cg, member, owned);
  }

  /**
   * The answer to a heartbeat that names an assignor this broker does not have, or null. Checked
   * with the request's fields, before the group is looked at, as in Kafka.
   */
  private ConsumerGroupHeartbeatResponseData assignorError(
      ConsumerGroupHeartbeatRequestData request) {
    String assignor = request.serverAssignor();
    if (assignor != null && !config.consumerAssignors().contains(assignor)) {
      return error(
          Errors.UNSUPPORTED_ASSIGNOR,
          "ServerAssignor "
              + assignor
              + " is not supported. Supported assignors: "
              + String.join(", ", config.consumerAssignors())
              + ".");
    }
    return null;
  }

  /**
   * The (re)joining heartbeat's regular expression compiled, or null when it has none.
   *
   * @throws PatternSyntaxException for an invalid one ({@link #invalidRegex} answers it)
   */
  private static Pattern regexOf(ConsumerGroupHeartbeatRequestData request, short version) {
    String regex = version >= 1 ? request.subscribedTopicRegex() : null;
    return regex != null && !regex.isEmpty() ? Pattern.compile(regex) : null;
  }

  private static ConsumerGroupHeartbeatResponseData invalidRegex(
      ConsumerGroupHeartbeatRequestData request, PatternSyntaxException e) {
    return error(
        Errors.INVALID_REGULAR_EXPRESSION,
        "SubscribedTopicRegex `"
            + request.subscribedTopicRegex()
            + "` is not a valid regular expression: "
            + e.getDescription()
            + ".");
  }

  /** The check Kafka makes of a heartbeat's fields before it looks at the group, or null. */
  static String whyInvalid(ConsumerGroupHeartbeatRequestData request, short version) {
    int epoch = request.memberEpoch();
    if ((version >= 1 || epoch > 0 || epoch == LEAVE_EPOCH) && isBlank(request.memberId())) {
      return "MemberId can't be empty.";
    }
    if (isBlank(request.groupId())) {
      return "GroupId can't be empty.";
    }
    if (request.instanceId() != null && request.instanceId().isBlank()) {
      return "InstanceId can't be empty.";
    }
    if (request.rackId() != null && request.rackId().isBlank()) {
      return "RackId can't be empty.";
    }
    if (epoch == 0) {
      if (request.rebalanceTimeoutMs() == -1) {
        return "RebalanceTimeoutMs must be provided in first request.";
      }
      if (request.topicPartitions() == null || !request.topicPartitions().isEmpty()) {
        return "TopicPartitions must be empty when (re-)joining.";
      }
      boolean regex = version >= 1 && request.subscribedTopicRegex() != null;
      if (request.subscribedTopicNames() == null && !regex) {
        return "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when"
            + " (re-)joining.";
      }
    } else if (epoch == STATIC_LEAVE_EPOCH) {
      if (request.instanceId() == null) {
        return "InstanceId can't be null.";
      }
    } else if (epoch < STATIC_LEAVE_EPOCH) {
      return "MemberEpoch is invalid.";
    }
    return null;
  }

  private static boolean isBlank(String value) {
    return value == null || value.isBlank();
  }

  /**
   * Why a member's heartbeat is from an epoch the coordinator no longer accepts, or null. The
   * previous epoch is still accepted while the member owns nothing beyond what it has now: its last
   * response may have been lost.
   */
  private static String whyFenced(ConsumerMember member, int epoch, Assignment owned) {
    if (epoch > member.memberEpoch) {
      return "The consumer group member has a greater member epoch ("
          + epoch
          + ") than the one known by the group coordinator ("
          + member.memberEpoch
          + "). The member must abandon all its partitions and rejoin.";
    }
    if (epoch < member.memberEpoch
        && (epoch != member.previousMemberEpoch
            || owned == null
            || !member.assigned.containsAll(owned))) {
      return "The consumer group member has a smaller member epoch ("
          + epoch
          + ") than the one known by the group coordinator ("
          + member.memberEpoch
          + "). The member must abandon all its partitions and rejoin.";
    }
    return null;
  }

  /**
   * A member leaves (epoch -1): its partitions go to the others. A static member that leaves for
   * now (-2) keeps them for its session timeout: if it rejoins with its instance id by then, it
   * gets them back and nobody else's assignment changes.
   */
  private CompletableFuture<ConsumerGroupHeartbeatResponseData> leave(
      ConsumerGroupHeartbeatRequestData request) {
    String groupId = request.groupId();
    Group group = coordinator.group(groupId);
    if (group == null) {
      return done(error(Errors.GROUP_ID_NOT_FOUND, "Group " + groupId + " not found."));
    }
    synchronized (group) {
      ConsumerGroup cg = group.consumer;
      if (cg == null || group.is(GroupState.DEAD)) {
        return done(
            error(Errors.GROUP_ID_NOT_FOUND, "Group " + groupId + " is not a consumer group."));
      }
      Lookup found = existingMember(cg, request, groupId);
      if (found.error() != null) {
        return done(found.error());
      }
      ConsumerMember member = found.member();
      if (request.memberEpoch() == STATIC_LEAVE_EPOCH) {
        // Kept, partitions and all, until it comes back or its session times out.
        member.previousMemberEpoch = member.memberEpoch;
        member.memberEpoch = STATIC_LEAVE_EPOCH;
        member.cancelRevocationTimer();
        scheduleSessionTimeout(group, member); // it has that long to come back
        log.info(
            "static member {} of consumer group {} left for now",
            member.instanceId,
            request.groupId());
      }
      return answerWhenWritten(
          request.memberEpoch() == STATIC_LEAVE_EPOCH
              ? persist(group, List.of())
              : removeAndPersist(group, List.of(member), "left the group"),
          new ConsumerGroupHeartbeatResponseData()
              .setMemberId(member.memberId)
              .setMemberEpoch(request.memberEpoch()));
    }
  }

  /**
   * A static member that left for now (epoch -2) comes back as {@code next}, a new member id with
   * the same instance id: it takes over the partitions and target of its former incarnation, and
   * the group epoch stays, so no other member notices.
   */
  void replace(Group group, ConsumerMember away, ConsumerMember next) {
    ConsumerGroup cg = group.consumer;
    away.cancelTimers();
    cg.members.remove(away.memberId);
    next.instanceId = away.instanceId;
    next.rackId = away.rackId;
    next.rebalanceTimeoutMs = away.rebalanceTimeoutMs;
    next.subscribedTopicNames = away.subscribedTopicNames;
    next.subscribedTopicRegex = away.subscribedTopicRegex;
    next.subscribedTopicPattern = away.subscribedTopicPattern;
    next.serverAssignor = away.serverAssignor;
    next.memberEpoch = 0;
    next.previousMemberEpoch = 0;
    next.assigned = away.assigned;
    next.pendingRevocation = away.pendingRevocation;
    next.state = away.state;
    cg.members.put(next.memberId, next);
    Assignment target = cg.target.remove(away.memberId);
    if (target != null) {
      cg.target.put(next.memberId, target);
    }
    log.info(
        "static member {} of consumer group {} is back as {}; it keeps its partitions",
        away.instanceId,
        group.groupId,
        next.memberId);
  }

  /**
   * Removes a member (the caller bumps the group epoch); its partitions are free for the others at
   * their next heartbeat.
   */
  private boolean remove(Group group, ConsumerMember member, String why) {
    ConsumerGroup cg = group.consumer;
    if (!cg.members.remove(member.memberId, member)) {
      return false;
    }
    member.cancelTimers();
    cg.target.remove(member.memberId);
    log.info("member {} of consumer group {} {}", member.memberId, group.groupId, why);
    if (cg.members.isEmpty()) {
      // Offsets of an empty group expire counting from now.
      group.restore(GroupState.EMPTY, timer.nowMs());
    }
    return true;
  }

  ConsumerTargets targets() {
    return targets;
  }

  /**
   * Removes members (they left or were fenced) with one bump of the group epoch, and writes the
   * group. If only classic members remain and the policy allows, the group becomes a classic group
   * instead, at the epoch it had ({@link ClassicMembers#downgrade}), as in Kafka.
   */
  CompletableFuture<Void> removeAndPersist(Group group, List<ConsumerMember> leaving, String why) {
    ConsumerGroup cg = group.consumer;
    List<ConsumerMember> staying = cg.members().stream().filter(m -> !leaving.contains(m)).toList();
    if (coordinator.classicMembers().mayDowngradeTo(staying)) {
      leaving.forEach(m -> remove(group, m, why));
      return coordinator.classicMembers().downgrade(group, true);
    }
    boolean removed = false;
    for (ConsumerMember m : leaving) {
      removed |= remove(group, m, why);
    }
    if (removed) {
      cg.subscribedTopics = targets.subscribedTopics(cg);
      cg.groupEpoch++;
      log.info("consumer group {} epoch {}", group.groupId, cg.groupEpoch);
    }
    return persist(group, List.of());
  }

  /**
   * Moves {@code member} towards its target assignment as far as it may now. {@code owned} is what
   * the heartbeat says the member owns, or null when it did not say.
   */
  private void reconcile(Group group, ConsumerGroup cg, ConsumerMember member, Assignment owned) {
    if (member.state == ConsumerMember.State.UNREVOKED_PARTITIONS) {
      if (owned == null || owned.intersects(member.pendingRevocation)) {
        return; // still revoking
      }
      member.pendingRevocation = Assignment.EMPTY;
      member.cancelRevocationTimer();
    } else if (member.state == ConsumerMember.State.STABLE
        && member.memberEpoch == cg.assignmentEpoch) {
      return;
    }
    Assignment target = cg.target.getOrDefault(member.memberId, Assignment.EMPTY);
    Assignment keep = member.assigned.intersect(target);
    Assignment revoke = member.assigned.minus(target);
    Assignment wanted = target.minus(member.assigned);
    Assignment free = wanted.filter((t, p) -> !cg.heldByOther(member.memberId, t, p));
    if (!revoke.isEmpty() && (owned == null || owned.intersects(revoke))) {
      // It must let go first. (A member that says it owns none of them, as a (re)joining one
      // does, has let go already.)
      member.state = ConsumerMember.State.UNREVOKED_PARTITIONS;
      member.assigned = keep;
      member.pendingRevocation = revoke;
      if (!member.isClassic()) {
        scheduleRevocationTimeout(group, member); // a classic one has its join deadline instead
      }
      return;
    }
    if (member.memberEpoch != cg.assignmentEpoch) {
      member.previousMemberEpoch = member.memberEpoch;
      member.memberEpoch = cg.assignmentEpoch;
    }
    member.assigned = keep.plus(free);
    member.pendingRevocation = Assignment.EMPTY;
    member.state =
        free.equals(wanted)
            ? ConsumerMember.State.STABLE
            : ConsumerMember.State.UNRELEASED_PARTITIONS;
  }

  /** (Re)starts the member's session: its own timeout for a classic member, else the group's. */
  void scheduleSessionTimeout(Group group, ConsumerMember member) {
    long epoch = ++member.sessionEpoch;
    if (member.sessionTask != null) {
      member.sessionTask.cancel();
    }
    member.sessionTask =
        timer.schedule(
            member.isClassic()
                ? member.classic.sessionTimeoutMs()
                : config.consumerSessionTimeoutMs(),
            () -> {
              synchronized (group) {
                if (!group.is(GroupState.DEAD)
                    && group.consumer != null
                    && group.consumer.members.get(member.memberId) == member
                    && member.sessionEpoch == epoch) {
                  removeAndPersist(group, List.of(member), "missed its session timeout; fenced");
                }
              }
            });
  }

  private void scheduleRevocationTimeout(Group group, ConsumerMember member) {
    member.cancelRevocationTimer();
    int epoch = member.memberEpoch;
    member.revocationTask =
        timer.schedule(
            member.rebalanceTimeoutMs,
            () -> {
              synchronized (group) {
                if (!group.is(GroupState.DEAD)
                    && group.consumer != null
                    && group.consumer.members.get(member.memberId) == member
                    && member.state == ConsumerMember.State.UNREVOKED_PARTITIONS
                    && member.memberEpoch == epoch) {
                  removeAndPersist(
                      group,
                      List.of(member),
                      "did not revoke its partitions in its rebalance timeout");
                }
              }
            });
  }

  /** The group as ConsumerGroupDescribe shows it. Caller holds the lock. */
  ConsumerGroupDescribeResponseData.DescribedGroup describe(
      Group group, short version, ConsumerGroupDescribeResponseData.DescribedGroup result) {
    ConsumerGroup cg = group.consumer;
    Map<Uuid, String> names = targets.topicNames(cg, null);
    result
        .setGroupState(cg.state().kafkaName)
        .setGroupEpoch(cg.groupEpoch)
        .setAssignmentEpoch(cg.assignmentEpoch)
        .setAssignorName(cg.assignorName);
    for (ConsumerMember m : cg.members()) {
      ConsumerGroupDescribeResponseData.Member member =
          new ConsumerGroupDescribeResponseData.Member()
              .setMemberId(m.memberId)
              .setInstanceId(m.instanceId)
              .setRackId(m.rackId)
              .setMemberEpoch(m.memberEpoch)
              .setClientId(m.clientId)
              .setClientHost(m.clientHost)
              .setSubscribedTopicNames(new ArrayList<>(m.subscribedTopicNames))
              .setSubscribedTopicRegex(m.subscribedTopicRegex)
              .setAssignment(described(m.assigned, names))
              .setTargetAssignment(
                  described(cg.target.getOrDefault(m.memberId, Assignment.EMPTY), names));
      if (version >= 1) {
        member.setMemberType((byte) (m.isClassic() ? 0 : 1)); // 0: classic, 1: consumer
      }
      result.members().add(member);
    }
    return result;
  }

  private static ConsumerGroupDescribeResponseData.Assignment described(
      Assignment assignment, Map<Uuid, String> names) {
    ConsumerGroupDescribeResponseData.Assignment result =
        new ConsumerGroupDescribeResponseData.Assignment();
    assignment
        .partitions()
        .forEach(
            (topic, ps) ->
                result
                    .topicPartitions()
                    .add(
                        new ConsumerGroupDescribeResponseData.TopicPartitions()
                            .setTopicId(topic)
                            .setTopicName(names.getOrDefault(topic, ""))
                            .setPartitions(new ArrayList<>(ps))));
    return result;
  }

  /** Stops every member's timers (the coordinator moved away or closes). Caller holds the lock. */
  static void shutdown(Group group) {
    if (group.consumer != null) {
      group.consumer.members().forEach(ConsumerMember::cancelTimers);
    }
  }

  private static CompletableFuture<ConsumerGroupHeartbeatResponseData> done(
      ConsumerGroupHeartbeatResponseData response) {
    return CompletableFuture.completedFuture(response);
  }

  /** A member found by a request that names it, or the error that request gets. */
  private record Lookup(ConsumerMember member, ConsumerGroupHeartbeatResponseData error) {}

  /**
   * The member a heartbeat or leave with a member epoch names, found as Kafka finds it: a static
   * member by its instance id, which must be held by the member id sent (an older incarnation that
   * was replaced is fenced), any other by its member id.
   */
  private static Lookup existingMember(
      ConsumerGroup cg, ConsumerGroupHeartbeatRequestData request, String groupId) {
    String instanceId = request.instanceId();
    if (instanceId == null) {
      ConsumerMember member = cg.members.get(request.memberId());
      return member != null
          ? new Lookup(member, null)
          : new Lookup(null, unknownMember(request.memberId(), groupId));
    }
    ConsumerMember member = cg.staticMember(instanceId);
    if (member == null) {
      return new Lookup(
          null, error(Errors.UNKNOWN_MEMBER_ID, "Instance id " + instanceId + " is unknown."));
    }
    if (!member.memberId.equals(request.memberId())) {
      return new Lookup(
          null,
          error(
              Errors.FENCED_INSTANCE_ID,
              "Static member "
                  + request.memberId()
                  + " with instance id "
                  + instanceId
                  + " was fenced by member "
                  + member.memberId
                  + "."));
    }
    return new Lookup(member, null);
  }

  ConsumerGroupHeartbeatResponseData full() {
    return error(
        Errors.GROUP_MAX_SIZE_REACHED,
        "The consumer group has reached its maximum capacity of "
            + config.consumerMaxSize()
            + " members.");
  }

  private static ConsumerGroupHeartbeatResponseData unknownMember(String memberId, String groupId) {
    return error(
        Errors.UNKNOWN_MEMBER_ID,
        "Member " + memberId + " is not a member of group " + groupId + ".");
  }

  static ConsumerGroupHeartbeatResponseData error(Errors error, String message) {
    return new ConsumerGroupHeartbeatResponseData()
        .setErrorCode(error.code())
        .setErrorMessage(message);
  }
}
