package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorPartitions;
import dev.eventshop.broker.coordinator.CoordinatorTimer;
import dev.eventshop.broker.coordinator.CoordinatorTopic;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.MemberSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.acl.AclOperation;
import org.apache.kafka.common.errors.ApiException;
import org.apache.kafka.common.errors.RecordBatchTooLargeException;
import org.apache.kafka.common.errors.RecordTooLargeException;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.DeleteGroupsResponseData.DeletableGroupResult;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroupMember;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.Utils;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The group coordinator: owns the groups whose ids hash to the {@code __consumer_offsets}
 * partitions this broker leads, and their offsets. The classic rebalance protocol is in {@link
 * ClassicRebalance}, the consumer group protocol of KIP-848 in {@link ConsumerRebalance}, committed
 * offsets in {@link OffsetCommits}, offsets committed inside transactions in {@link
 * TxnOffsetCommits}; this class keeps the registry of groups, loads a partition's groups from the
 * log when it becomes the coordinator for it, applies the transaction coordinator's markers ({@link
 * #onTransactionCompleted}), and serves DescribeGroups, ListGroups and DeleteGroups.
 *
 * <p>A partition is loaded on {@link #onBecomeLeader(int)}, or lazily by the first request for one
 * of its groups when {@link CoordinatorTopic#isLocalLeader(int)} says this broker leads it (a
 * single node); while it loads, requests get COORDINATOR_LOAD_IN_PROGRESS, and markers are queued
 * until it is loaded. {@link CoordinatorPartitions} keeps which partitions are served here and
 * loads them. Offsets of empty groups expire on a periodic timer task from construction until
 * {@link #close()}. After {@link #onResign(int)} its groups are dropped and requests get
 * NOT_COORDINATOR until it is led here again.
 *
 * <p>Thread-safety: the registry is a concurrent map; each group is guarded by its own monitor (see
 * {@link Group}). No method holds two group locks at once. The queue of markers for loading
 * partitions (in {@link CoordinatorPartitions}) has its own monitor, which may be held while taking
 * a group lock, never the other way round.
 */
public final class GroupCoordinator implements AutoCloseable {

  private static final Logger log = LoggerFactory.getLogger(GroupCoordinator.class);

  /** The protocol type of Kafka's consumer groups; other types (Connect, Streams) also exist. */
  static final String CONSUMER_PROTOCOL_TYPE = "consumer";

  private final GroupConfig config;
  private final CoordinatorTopic offsetsTopic;
  private final CoordinatorTimer timer;
  private final GroupStore store;
  private final ClassicRebalance rebalance;
  private final ConsumerRebalance consumerRebalance;
  private final ClassicMembers classicMembers;
  private final OffsetCommits offsets;
  private final TxnOffsetCommits txnOffsets;
  private final ConcurrentHashMap<String, Group> groups = new ConcurrentHashMap<>();
  private final CoordinatorPartitions partitions;

  private volatile boolean closed;
  private volatile CoordinatorTimer.Task expiration;

  /** A coordinator whose consumer groups (KIP-848) see no topics: for tests of classic groups. */
  public GroupCoordinator(
      GroupConfig config, CoordinatorTopic offsetsTopic, CoordinatorTimer timer) {
    this(config, offsetsTopic, timer, TopicCatalog.NONE);
  }

  /**
   * @param topics the cluster's topics, which consumer groups (KIP-848) are assigned by the
   *     coordinator
   */
  public GroupCoordinator(
      GroupConfig config,
      CoordinatorTopic offsetsTopic,
      CoordinatorTimer timer,
      TopicCatalog topics) {
    this.config = config;
    this.offsetsTopic = offsetsTopic;
    this.timer = timer;
    this.store = new GroupStore(offsetsTopic, timer);
    this.rebalance = new ClassicRebalance(this, config, timer, store);
    this.consumerRebalance = new ConsumerRebalance(this, config, timer, topics, store);
    this.classicMembers = new ClassicMembers(this, config, timer);
    this.offsets = new OffsetCommits(this, config, timer, store);
    this.txnOffsets = new TxnOffsetCommits(this, timer, store);
    this.partitions =
        new CoordinatorPartitions(
            OffsetsTopic.NAME, "groups", offsetsTopic, this::load, this::dropGroups);
    // The periodic expiration of old offsets runs on the timer from now until close().
    scheduleExpiration();
  }

  public GroupConfig config() {
    return config;
  }

  ClassicRebalance rebalance() {
    return rebalance;
  }

  ConsumerRebalance consumerRebalance() {
    return consumerRebalance;
  }

  ClassicMembers classicMembers() {
    return classicMembers;
  }

  OffsetCommits offsets() {
    return offsets;
  }

  TxnOffsetCommits txnOffsets() {
    return txnOffsets;
  }

  /** The {@code __consumer_offsets} partition that stores {@code groupId}, as Kafka computes it. */
  public int partitionFor(String groupId) {
    return Utils.abs(groupId.hashCode()) % config.offsetsTopicPartitions();
  }

  // ---------------------------------------------------------------- partition ownership

  /** This broker now leads partition {@code p}: load its groups (synchronously). */
  public void onBecomeLeader(int p) {
    partitions.onBecomeLeader(p);
  }

  /** This broker no longer leads partition {@code p}: drop its groups; their members move on. */
  public void onResign(int p) {
    partitions.onResign(p);
    log.info("resigned as group coordinator for {}-{}", OffsetsTopic.NAME, p);
  }

  private void dropGroups(int p) {
    for (Group group : List.copyOf(groups.values())) {
      if (group.partition == p) {
        synchronized (group) {
          rebalance.shutdownGroup(group, Errors.NOT_COORDINATOR);
          ConsumerRebalance.shutdown(group);
          group.restore(GroupState.DEAD, timer.nowMs());
          groups.remove(group.groupId, group);
        }
      }
    }
  }

  /**
   * Whether this broker can serve {@code groupId} now: NONE, or the error to answer with. On a
   * single node the group's partition is loaded here on first use.
   */
  Errors checkGroupId(String groupId) {
    if (groupId == null || groupId.isEmpty()) {
      return Errors.INVALID_GROUP_ID;
    }
    return availability(partitionFor(groupId));
  }

  /**
   * Whether partition {@code p} is served here. A partition never seen before is loaded now if this
   * broker leads it (the single-node case, where no leadership change announces it).
   */
  Errors availability(int p) {
    return partitions.availability(p);
  }

  /**
   * Rebuilds the groups of partition {@code p} from its records (see {@link GroupReplay}); offsets
   * of transactions still open at the end of the log stay pending until their marker. The markers
   * that arrive meanwhile wait until the partition is active.
   */
  private Runnable load(int p, int coordinatorEpoch) throws IOException {
    long started = System.nanoTime();
    GroupReplay replay = new GroupReplay();
    store.load(p, replay);
    Set<String> ids = replay.groupIds();
    long now = timer.nowMs();
    for (String id : ids) {
      Group group = new Group(id, p, now, replay.offsets(id));
      synchronized (group) {
        // A group is of the type its latest record says (GroupReplay#consumerGroup).
        ConsumerGroup consumer = replay.consumerGroup(id);
        GroupSnapshot snapshot = replay.metadata(id);
        if (consumer != null) {
          consumerRebalance.resume(group, consumer);
        } else if (snapshot != null) {
          restore(group, snapshot, now);
        }
        if (consumer == null) {
          group.consumerLeftovers = replay.consumerLeftovers(id);
        }
        groups.put(id, group);
      }
    }
    if (!ids.isEmpty()) {
      log.info(
          "loaded {} groups of {}-{} in {} ms",
          ids.size(),
          OffsetsTopic.NAME,
          p,
          (System.nanoTime() - started) / 1_000_000);
    }
    return () -> {};
  }

  /** Applies persisted metadata: a group with members resumes Stable and awaits heartbeats. */
  private void restore(Group group, GroupSnapshot snapshot, long now) {
    group.generationId = snapshot.generation();
    group.protocolType = snapshot.protocolType();
    boolean hasMembers = !snapshot.members().isEmpty() && snapshot.protocolName() != null;
    if (!hasMembers) {
      group.restore(GroupState.EMPTY, snapshot.stateTimestampMs());
      return;
    }
    for (MemberSnapshot m : snapshot.members()) {
      GroupMember member =
          new GroupMember(
              m.memberId(),
              m.groupInstanceId(),
              m.clientId(),
              m.clientHost(),
              m.rebalanceTimeoutMs(),
              m.sessionTimeoutMs(),
              snapshot.protocolType(),
              List.of(new GroupMember.Protocol(snapshot.protocolName(), m.subscription())));
      member.assignment = m.assignment();
      group.add(member);
    }
    group.protocolType = snapshot.protocolType();
    group.protocolName = snapshot.protocolName();
    if (snapshot.leaderId() != null && group.has(snapshot.leaderId())) {
      group.leaderId = snapshot.leaderId();
    }
    group.restore(GroupState.STABLE, snapshot.stateTimestampMs());
    for (GroupMember member : group.members()) {
      rebalance.scheduleHeartbeat(group, member, member.sessionTimeoutMs);
    }
  }

  // ---------------------------------------------------------------- transaction markers

  /**
   * The transaction coordinator's COMMIT or ABORT marker for {@code producerId} has been appended
   * and replicated to {@code __consumer_offsets} partition {@code offsetsPartition} on this broker:
   * the offsets the producer's transaction wrote to the partition's groups become committed offsets
   * (except where a plain OffsetCommit written after them exists) or are dropped.
   *
   * <p>The broker must call this before the marker's write is reported done to the transaction
   * coordinator: then the producer's next transaction cannot have written offsets here yet. A
   * partition that is not served here is left alone (its next load replays the marker); one that is
   * loading gets the marker once loaded. Thread-safe; returns without waiting on the log.
   */
  public void onTransactionCompleted(int offsetsPartition, long producerId, boolean commit) {
    // While the partition loads the marker waits; if the replay already saw it, it then finds
    // nothing left to do: its producer's next transaction cannot write offsets before the
    // marker's completion returned.
    partitions.whenLoaded(
        offsetsPartition, () -> completeTransaction(offsetsPartition, producerId, commit));
  }

  private void completeTransaction(int p, long producerId, boolean commit) {
    // Kafka indexes the groups by the producers with pending offsets; scanning the groups this
    // broker coordinates is enough at this broker's size, and needs no index kept consistent.
    int completed = 0;
    for (Group group : groups.values()) {
      if (group.partition != p) {
        continue;
      }
      synchronized (group) {
        if (!group.is(GroupState.DEAD) && group.offsets.completeTransaction(producerId, commit)) {
          completed++;
          removeIfUnused(group); // created only for offsets that were just aborted
        }
      }
    }
    if (completed > 0) {
      log.debug(
          "{} transactional offsets of producer {} in {} groups of {}-{}",
          commit ? "committed" : "aborted",
          producerId,
          completed,
          OffsetsTopic.NAME,
          p);
    }
  }

  // ---------------------------------------------------------------- the registry

  Group group(String groupId) {
    return groups.get(groupId);
  }

  Group getOrCreateGroup(String groupId) {
    return groups.computeIfAbsent(groupId, id -> new Group(id, partitionFor(id), timer.nowMs()));
  }

  Collection<Group> groups() {
    return groups.values();
  }

  /**
   * Forgets a group that was created by a request but holds nothing worth keeping (a failed first
   * join). Caller holds the group's lock.
   */
  void removeIfUnused(Group group) {
    if (group.consumer == null
        && group.is(GroupState.EMPTY)
        && !group.hasMembers()
        && group.pendingMembers.isEmpty()
        && group.offsets.isEmpty()
        && group.generationId == 0
        && group.consumerLeftovers == null) { // kept: a later consumer group deletes them
      group.transitionTo(GroupState.DEAD, timer.nowMs());
      groups.remove(group.groupId, group);
    }
  }

  /** Marks a group Dead and removes it. Caller holds the group's lock. */
  void removeGroup(Group group) {
    rebalance.shutdownGroup(group, Errors.COORDINATOR_NOT_AVAILABLE);
    ConsumerRebalance.shutdown(group);
    group.transitionTo(GroupState.DEAD, timer.nowMs());
    groups.remove(group.groupId, group);
  }

  // ---------------------------------------------------------------- DescribeGroups

  /** One group as DescribeGroups shows it; from v6 an unknown group is GROUP_ID_NOT_FOUND. */
  public DescribedGroup describeGroup(String groupId, short version, boolean includeOperations) {
    DescribedGroup result =
        new DescribedGroup()
            .setGroupId(groupId)
            .setGroupState(GroupState.DEAD.kafkaName())
            .setProtocolType("")
            .setProtocolData("");
    if (includeOperations && version >= 3) {
      result.setAuthorizedOperations(allGroupOperations());
    }
    if (groupId == null) {
      return result.setGroupId("").setErrorCode(Errors.INVALID_GROUP_ID.code());
    }
    Errors unavailable = availability(partitionFor(groupId));
    if (unavailable != Errors.NONE) {
      return result.setErrorCode(unavailable.code());
    }
    Group group = groups.get(groupId);
    if (group == null) {
      if (version >= 6) {
        result
            .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
            .setErrorMessage("Group " + groupId + " not found.");
      }
      return result;
    }
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        return result;
      }
      if (group.consumer != null) {
        if (version >= 6) {
          result
              .setErrorCode(Errors.GROUP_ID_NOT_FOUND.code())
              .setErrorMessage("Group " + groupId + " is not a classic group.");
        }
        return result;
      }
      result
          .setGroupState(group.state().kafkaName())
          .setProtocolType(group.protocolType == null ? "" : group.protocolType);
      boolean stable = group.is(GroupState.STABLE);
      if (stable) {
        result.setProtocolData(group.protocolName);
      }
      List<DescribedGroupMember> members = new ArrayList<>();
      for (GroupMember m : group.members()) {
        DescribedGroupMember dm =
            new DescribedGroupMember()
                .setMemberId(m.memberId)
                .setClientId(m.clientId)
                .setClientHost(m.clientHost)
                .setMemberMetadata(new byte[0])
                .setMemberAssignment(new byte[0]);
        if (version >= 4) {
          dm.setGroupInstanceId(m.groupInstanceId);
        }
        if (stable) {
          byte[] metadata = m.metadata(group.protocolName);
          dm.setMemberMetadata(metadata == null ? new byte[0] : metadata)
              .setMemberAssignment(m.assignment);
        }
        members.add(dm);
      }
      return result.setMembers(members);
    }
  }

  // ---------------------------------------------------------------- ConsumerGroupDescribe

  /** One consumer group (KIP-848) as ConsumerGroupDescribe shows it. */
  public ConsumerGroupDescribeResponseData.DescribedGroup describeConsumerGroup(
      String groupId, short version, boolean includeOperations) {
    ConsumerGroupDescribeResponseData.DescribedGroup result =
        new ConsumerGroupDescribeResponseData.DescribedGroup()
            .setGroupId(groupId == null ? "" : groupId);
    if (includeOperations) {
      result.setAuthorizedOperations(allGroupOperations());
    }
    if (groupId == null || groupId.isEmpty()) {
      return result.setErrorCode(Errors.INVALID_GROUP_ID.code());
    }
    Errors unavailable = availability(partitionFor(groupId));
    if (unavailable != Errors.NONE) {
      return result.setErrorCode(unavailable.code());
    }
    Group group = groups.get(groupId);
    if (group == null) {
      return notFound(result, "Group " + groupId + " not found.");
    }
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        return notFound(result, "Group " + groupId + " not found.");
      }
      if (group.consumer == null) {
        return notFound(result, "Group " + groupId + " is not a consumer group.");
      }
      return consumerRebalance.describe(group, version, result);
    }
  }

  private static ConsumerGroupDescribeResponseData.DescribedGroup notFound(
      ConsumerGroupDescribeResponseData.DescribedGroup result, String message) {
    return result.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()).setErrorMessage(message);
  }

  /** Without an authorizer every group operation is allowed: READ, DESCRIBE and DELETE. */
  private static int allGroupOperations() {
    return (1 << AclOperation.READ.code())
        | (1 << AclOperation.DESCRIBE.code())
        | (1 << AclOperation.DELETE.code());
  }

  // ---------------------------------------------------------------- ListGroups

  /**
   * Every group this broker coordinates, filtered by state and type (both case-insensitive; empty
   * means all). A group is of type "classic" or "consumer" (KIP-848).
   */
  public ListGroupsResponseData listGroups(Collection<String> states, Collection<String> types) {
    ListGroupsResponseData response = new ListGroupsResponseData();
    Set<String> stateFilter = lowerCase(states);
    Set<String> typeFilter = lowerCase(types);
    if (offsetsTopic.exists()) {
      for (int p = 0; p < config.offsetsTopicPartitions(); p++) {
        Errors error = availability(p);
        if (error == Errors.COORDINATOR_LOAD_IN_PROGRESS
            || error == Errors.COORDINATOR_NOT_AVAILABLE) {
          response.setErrorCode(error.code());
        }
      }
    }
    List<ListedGroup> listed = new ArrayList<>();
    for (Group group : groups.values()) {
      synchronized (group) {
        if (group.is(GroupState.DEAD)) {
          continue;
        }
        String state =
            group.consumer != null ? group.consumer.state().kafkaName : group.state().kafkaName();
        if (!stateFilter.isEmpty() && !stateFilter.contains(state.toLowerCase(Locale.ROOT))) {
          continue;
        }
        if (!typeFilter.isEmpty() && !typeFilter.contains(group.type())) {
          continue;
        }
        listed.add(
            new ListedGroup()
                .setGroupId(group.groupId)
                .setProtocolType(group.protocolType == null ? "" : group.protocolType)
                .setGroupState(state)
                .setGroupType(group.type()));
      }
    }
    listed.sort(java.util.Comparator.comparing(ListedGroup::groupId));
    return response.setGroups(listed);
  }

  private static Set<String> lowerCase(Collection<String> values) {
    Set<String> result = new LinkedHashSet<>();
    if (values != null) {
      values.forEach(v -> result.add(v.toLowerCase(Locale.ROOT)));
    }
    return result;
  }

  // ---------------------------------------------------------------- DeleteGroups

  /**
   * Deletes empty groups with their offsets: the group is Dead at once, then tombstones for its
   * metadata and every offset, committed or pending in an open transaction, are written so that
   * compaction forgets them.
   */
  public CompletableFuture<List<DeletableGroupResult>> deleteGroups(List<String> groupIds) {
    List<CompletableFuture<DeletableGroupResult>> results = new ArrayList<>();
    for (String groupId : groupIds) {
      results.add(
          deleteGroup(groupId)
              .thenApply(
                  e -> new DeletableGroupResult().setGroupId(groupId).setErrorCode(e.code())));
    }
    return CompletableFuture.allOf(results.toArray(new CompletableFuture<?>[0]))
        .thenApply(v -> results.stream().map(CompletableFuture::join).toList());
  }

  private CompletableFuture<Errors> deleteGroup(String groupId) {
    if (groupId == null) {
      return CompletableFuture.completedFuture(Errors.INVALID_GROUP_ID);
    }
    Errors unavailable = availability(partitionFor(groupId));
    if (unavailable != Errors.NONE) {
      return CompletableFuture.completedFuture(unavailable);
    }
    Group group = groups.get(groupId);
    if (group == null) {
      return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
    }
    List<SimpleRecord> tombstones = new ArrayList<>();
    CompletableFuture<Void> appended;
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        return CompletableFuture.completedFuture(Errors.GROUP_ID_NOT_FOUND);
      }
      if (!group.is(GroupState.EMPTY) || group.hasAnyMembers()) {
        return CompletableFuture.completedFuture(Errors.NON_EMPTY_GROUP);
      }
      long now = timer.nowMs();
      // Offsets that open transactions wrote are deleted too, as Kafka does: the tombstones make a
      // later COMMIT marker find nothing, here and when the log is replayed.
      Set<TopicPartition> partitions = new LinkedHashSet<>(group.offsets.committed().keySet());
      partitions.addAll(group.offsets.pendingPartitions());
      for (TopicPartition tp : partitions) {
        tombstones.add(GroupStore.offsetRecord(groupId, tp, null, now));
      }
      tombstones.add(GroupStore.groupRecord(groupId, null, now));
      tombstones.addAll(consumerRebalance.tombstones(group));
      group.offsets.clear();
      removeGroup(group);
      // Appended under the lock: a group of the same id created right after writes its records
      // after these tombstones, not before.
      appended = store.append(group.partition, tombstones, now);
    }
    log.info("deleting group {}", groupId);
    return appended.handle(
        (ok, error) -> {
          if (error != null) {
            log.warn("cannot write the tombstones of deleted group {}", groupId, error);
            return appendError(error, false);
          }
          return Errors.NONE;
        });
  }

  // ---------------------------------------------------------------- offsets expiration

  private void scheduleExpiration() {
    if (!closed) {
      expiration =
          timer.schedule(
              config.offsetsRetentionCheckIntervalMs(),
              () -> {
                try {
                  offsets.expireOffsets();
                } catch (RuntimeException e) {
                  log.error("offset expiration failed", e);
                }
                scheduleExpiration();
              });
    }
  }

  // ---------------------------------------------------------------- helpers

  /** How a client's host appears in DescribeGroups: "/" and its IP address, as Kafka shows it. */
  public static String clientHost(SocketAddress address) {
    if (address instanceof InetSocketAddress inet && inet.getAddress() != null) {
      return "/" + inet.getAddress().getHostAddress();
    }
    return address == null ? "" : address.toString();
  }

  /**
   * The error a client gets when a write to {@code __consumer_offsets} failed, as Kafka maps it:
   * retriable coordinator errors for replication problems, a size error for oversized commits.
   */
  static Errors appendError(Throwable error, boolean offsetCommit) {
    Throwable cause = Errors.maybeUnwrapException(error);
    Errors e =
        cause instanceof ApiException ? Errors.forException(cause) : Errors.UNKNOWN_SERVER_ERROR;
    if (cause instanceof IOException) {
      return Errors.NOT_COORDINATOR;
    }
    if (cause instanceof RecordTooLargeException || cause instanceof RecordBatchTooLargeException) {
      return offsetCommit ? Errors.INVALID_COMMIT_OFFSET_SIZE : Errors.UNKNOWN_SERVER_ERROR;
    }
    return switch (e) {
      case UNKNOWN_TOPIC_OR_PARTITION,
          NOT_ENOUGH_REPLICAS,
          NOT_ENOUGH_REPLICAS_AFTER_APPEND,
          REQUEST_TIMED_OUT ->
          Errors.COORDINATOR_NOT_AVAILABLE;
      case NOT_LEADER_OR_FOLLOWER, KAFKA_STORAGE_ERROR -> Errors.NOT_COORDINATOR;
      case MESSAGE_TOO_LARGE, RECORD_LIST_TOO_LARGE, INVALID_FETCH_SIZE ->
          offsetCommit ? Errors.INVALID_COMMIT_OFFSET_SIZE : Errors.UNKNOWN_SERVER_ERROR;
      default -> e;
    };
  }

  @Override
  public void close() {
    closed = true;
    partitions.close();
    CoordinatorTimer.Task task = expiration;
    if (task != null) {
      task.cancel();
    }
    for (Group group : List.copyOf(groups.values())) {
      synchronized (group) {
        rebalance.shutdownGroup(group, Errors.COORDINATOR_NOT_AVAILABLE);
        ConsumerRebalance.shutdown(group);
      }
    }
    groups.clear();
    partitions.forgetAll();
  }

  /** The state of a group (loading its partition first), or empty if unknown. */
  java.util.Optional<GroupState> stateOf(String groupId) {
    checkGroupId(groupId);
    Group group = groups.get(groupId);
    if (group == null) {
      return java.util.Optional.empty();
    }
    synchronized (group) {
      return java.util.Optional.of(group.state());
    }
  }
}
