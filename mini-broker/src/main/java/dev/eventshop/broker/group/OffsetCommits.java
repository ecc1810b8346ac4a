package dev.eventshop.broker.group;

import dev.eventshop.broker.coordinator.CoordinatorTimer;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponsePartition;
import org.apache.kafka.common.message.OffsetCommitResponseData.OffsetCommitResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartition;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponsePartitionCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopic;
import org.apache.kafka.common.message.OffsetDeleteResponseData.OffsetDeleteResponseTopicCollection;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseTopics;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.record.SimpleRecord;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Committed offsets: OffsetCommit, OffsetFetch, OffsetDelete and the expiration of old offsets.
 * Transactional commits are in {@link TxnOffsetCommits}; the rules between offsets pending in open
 * transactions and committed ones are in {@link GroupOffsets}.
 *
 * <p>A commit from a group member must carry the group's current generation and a known member id.
 * A commit with generation -1 and no member id is a "simple" commit (the admin client, or a
 * consumer that assigns partitions itself): it is accepted only while the group has no members, and
 * creates the group if needed. Offsets become visible to OffsetFetch only once their records are
 * committed to {@code __consumer_offsets}. An OffsetFetch that requires stable offsets gets
 * UNSTABLE_OFFSET_COMMIT for a partition while an open transaction holds an offset for it.
 *
 * <p>Thread-safety: all reads and writes of a group's offsets hold the group's lock.
 */
final class OffsetCommits {

  private static final Logger log = LoggerFactory.getLogger(OffsetCommits.class);

  private final GroupCoordinator coordinator;
  private final GroupConfig config;
  private final CoordinatorTimer timer;
  private final GroupStore store;

  OffsetCommits(
      GroupCoordinator coordinator, GroupConfig config, CoordinatorTimer timer, GroupStore store) {
    this.coordinator = coordinator;
    this.config = config;
    this.timer = timer;
    this.store = store;
  }

  // ---------------------------------------------------------------- OffsetCommit

  CompletableFuture<OffsetCommitResponseData> commit(
      OffsetCommitRequestData request, short version) {
    String groupId = request.groupId();
    Errors unavailable =
        groupId == null
            ? Errors.INVALID_GROUP_ID
            : coordinator.availability(coordinator.partitionFor(groupId));
    if (unavailable != Errors.NONE) {
      return done(allFailed(request, unavailable));
    }
    int generation = request.generationIdOrMemberEpoch();
    Group group = coordinator.group(groupId);
    if (group == null) {
      if (generation >= 0) {
        // A member of a group that does not exist (any more): it must rejoin.
        return done(
            allFailed(
                request, version >= 9 ? Errors.GROUP_ID_NOT_FOUND : Errors.ILLEGAL_GENERATION));
      }
      group = coordinator.getOrCreateGroup(groupId);
    }
    synchronized (group) {
      Errors invalid =
          validate(
              group, request.memberId(), request.groupInstanceId(), generation, false, version);
      if (invalid != Errors.NONE) {
        return done(allFailed(request, invalid));
      }
      GroupMember member = group.member(request.memberId());
      if (member != null && group.is(GroupState.STABLE)) {
        // A commit proves the member is alive, as a heartbeat would.
        coordinator.rebalance().scheduleHeartbeat(group, member, member.sessionTimeoutMs);
      }
      long now = timer.nowMs();
      long expire =
          version <= 4 && request.retentionTimeMs() >= 0 ? now + request.retentionTimeMs() : -1;
      OffsetCommitResponseData response = new OffsetCommitResponseData();
      Map<TopicPartition, CommittedOffset> accepted = new LinkedHashMap<>();
      List<OffsetCommitResponsePartition> pending = new ArrayList<>();
      List<SimpleRecord> records = new ArrayList<>();
      for (OffsetCommitRequestTopic topic : request.topics()) {
        OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic().setName(topic.name());
        response.topics().add(rt);
        for (OffsetCommitRequestPartition p : topic.partitions()) {
          OffsetCommitResponsePartition rp =
              new OffsetCommitResponsePartition().setPartitionIndex(p.partitionIndex());
          rt.partitions().add(rp);
          String metadata = p.committedMetadata() == null ? "" : p.committedMetadata();
          if (metadataTooLarge(metadata)) {
            rp.setErrorCode(Errors.OFFSET_METADATA_TOO_LARGE.code());
            continue;
          }
          TopicPartition tp = new TopicPartition(topic.name(), p.partitionIndex());
          CommittedOffset offset =
              new CommittedOffset(
                  p.committedOffset(), p.committedLeaderEpoch(), metadata, now, expire);
          accepted.put(tp, offset);
          records.add(GroupStore.offsetRecord(groupId, tp, offset, now));
          pending.add(rp);
        }
      }
      if (records.isEmpty()) {
        coordinator.removeIfUnused(group);
        return done(response);
      }
      long logOffset;
      try {
        logOffset = store.nextOffset(group.partition);
      } catch (IOException | RuntimeException e) {
        coordinator.removeIfUnused(group);
        Errors error = GroupCoordinator.appendError(e, true);
        pending.forEach(rp -> rp.setErrorCode(error.code()));
        return done(response);
      }
      Group target = group;
      return store
          .append(group.partition, records, now)
          .handle(
              (ok, error) -> {
                Errors result = Errors.NONE;
                synchronized (target) {
                  if (error != null) {
                    log.warn("cannot store offsets of group {}", groupId, error);
                    result = GroupCoordinator.appendError(error, true);
                  } else if (!target.is(GroupState.DEAD)) {
                    accepted.forEach(
                        (tp, offset) ->
                            target.offsets.commit(tp, new StoredOffset(offset, logOffset)));
                  }
                  if (error != null) {
                    coordinator.removeIfUnused(target);
                  }
                }
                for (OffsetCommitResponsePartition rp : pending) {
                  rp.setErrorCode(result.code());
                }
                return response;
              });
    }
  }

  /**
   * Whether a commit with this member id and generation (a member epoch in a consumer group) may
   * change the group's offsets. A transactional commit without member id and generation
   * (TxnOffsetCommit before v3) is accepted whatever the group's state, and one from a member is
   * not held back by a rebalance, as in Kafka.
   *
   * @param version the OffsetCommit version, or -1 for a transactional commit
   */
  static Errors validate(
      Group group,
      String memberId,
      String instanceId,
      int generation,
      boolean transactional,
      int version) {
    if (group.is(GroupState.DEAD)) {
      return Errors.COORDINATOR_NOT_AVAILABLE;
    }
    if (group.consumer != null) {
      return validateConsumerMember(group.consumer, memberId, generation, transactional, version);
    }
    if (generation < 0 && group.is(GroupState.EMPTY)) {
      return Errors.NONE; // a simple commit to a group without members
    }
    if (generation >= 0 || !memberId.isEmpty() || instanceId != null) {
      Errors invalid = ClassicRebalance.validateMember(group, memberId, instanceId);
      if (invalid != Errors.NONE) {
        return invalid;
      }
      if (generation != group.generationId) {
        return Errors.ILLEGAL_GENERATION;
      }
    } else if (!transactional) {
      return Errors.UNKNOWN_MEMBER_ID; // a simple commit while the group has members
    }
    if (!transactional && group.is(GroupState.COMPLETING_REBALANCE)) {
      // The member knows the new generation but not yet its partitions: commit after SyncGroup.
      return Errors.REBALANCE_IN_PROGRESS;
    }
    return Errors.NONE;
  }

  /**
   * Whether a commit, or an offset fetch, from this member of a consumer group (KIP-848) is
   * accepted, as Kafka decides: without a member epoch only while the group has no members;
   * otherwise from a known member at its current epoch (STALE_MEMBER_EPOCH, which a transactional
   * commit reports as ILLEGAL_GENERATION), and a plain commit only in OffsetCommit v9 or later.
   *
   * @param version the OffsetCommit version, or -1 for a transactional commit or a fetch
   */
  static Errors validateConsumerMember(
      ConsumerGroup group, String memberId, int memberEpoch, boolean transactional, int version) {
    if (memberEpoch < 0 && group.members.isEmpty()) {
      return Errors.NONE;
    }
    if (transactional && memberEpoch < 0 && (memberId == null || memberId.isEmpty())) {
      return Errors.NONE; // sendOffsetsToTransaction with a group id only, as for classic groups
    }
    ConsumerMember member = memberId == null ? null : group.members.get(memberId);
    if (member == null) {
      return Errors.UNKNOWN_MEMBER_ID;
    }
    if (member.isClassic()) {
      // A classic member (KIP-848's online migration) commits with its epoch as generation.
      return memberEpoch == member.memberEpoch ? Errors.NONE : Errors.ILLEGAL_GENERATION;
    }
    if (!transactional && version >= 0 && version < 9) {
      return Errors.UNSUPPORTED_VERSION;
    }
    if (memberEpoch != member.memberEpoch) {
      return transactional ? Errors.ILLEGAL_GENERATION : Errors.STALE_MEMBER_EPOCH;
    }
    return Errors.NONE;
  }

  /** Whether a commit's metadata string exceeds {@code offset.metadata.max.bytes}. */
  boolean metadataTooLarge(String metadata) {
    return metadata != null
        && metadata.getBytes(StandardCharsets.UTF_8).length > config.offsetMetadataMaxBytes();
  }

  private static OffsetCommitResponseData allFailed(OffsetCommitRequestData request, Errors error) {
    OffsetCommitResponseData response = new OffsetCommitResponseData();
    for (OffsetCommitRequestTopic topic : request.topics()) {
      OffsetCommitResponseTopic rt = new OffsetCommitResponseTopic().setName(topic.name());
      for (OffsetCommitRequestPartition p : topic.partitions()) {
        rt.partitions()
            .add(
                new OffsetCommitResponsePartition()
                    .setPartitionIndex(p.partitionIndex())
                    .setErrorCode(error.code()));
      }
      response.topics().add(rt);
    }
    return response;
  }

  // ---------------------------------------------------------------- OffsetFetch

  /**
   * The committed offsets of one group, for the requested partitions or all ({@code topics ==
   * null}). A partition without a committed offset gets offset -1 and no error. With {@code
   * requireStable}, a partition that an open transaction wrote an offset for gets
   * UNSTABLE_OFFSET_COMMIT (a read_committed consumer retries until the marker), also when all
   * partitions are asked for and the partition has no committed offset yet.
   */
  OffsetFetchResponseGroup fetch(
      String groupId, List<OffsetFetchRequestTopics> topics, boolean requireStable) {
    return fetch(groupId, topics, requireStable, null, -1);
  }

  /**
   * As {@link #fetch(String, List, boolean)}, for a member of a consumer group (OffsetFetch v9+
   * names the member and its epoch): a member the group does not know, or at another epoch, gets
   * UNKNOWN_MEMBER_ID or STALE_MEMBER_EPOCH.
   */
  OffsetFetchResponseGroup fetch(
      String groupId,
      List<OffsetFetchRequestTopics> topics,
      boolean requireStable,
      String memberId,
      int memberEpoch) {
    OffsetFetchResponseGroup result = new OffsetFetchResponseGroup().setGroupId(groupId);
    Errors unavailable =
        groupId == null
            ? Errors.INVALID_GROUP_ID
            : coordinator.availability(coordinator.partitionFor(groupId));
    if (unavailable != Errors.NONE) {
      return result.setErrorCode(unavailable.code());
    }
    Group group = coordinator.group(groupId);
    Map<TopicPartition, CommittedOffset> snapshot = new LinkedHashMap<>();
    Set<TopicPartition> unstable = new HashSet<>();
    if (group != null) {
      synchronized (group) {
        if (group.consumer != null && (memberId != null || memberEpoch >= 0)) {
          Errors invalid = validateConsumerMember(group.consumer, memberId, memberEpoch, false, -1);
          if (invalid != Errors.NONE) {
            return result.setErrorCode(invalid.code());
          }
        }
        if (!group.is(GroupState.DEAD)) {
          snapshot.putAll(group.offsets.committed());
          if (requireStable) {
            unstable.addAll(group.offsets.pendingPartitions());
          }
        }
      }
    }
    Map<String, OffsetFetchResponseTopics> byTopic = new LinkedHashMap<>();
    if (topics == null) {
      Set<TopicPartition> all = new LinkedHashSet<>(snapshot.keySet());
      all.addAll(unstable);
      for (TopicPartition tp : all) {
        topic(byTopic, tp.topic())
            .partitions()
            .add(partition(tp.partition(), snapshot.get(tp), unstable.contains(tp)));
      }
    } else {
      for (OffsetFetchRequestTopics t : topics) {
        OffsetFetchResponseTopics rt = topic(byTopic, t.name());
        for (int p : t.partitionIndexes()) {
          TopicPartition tp = new TopicPartition(t.name(), p);
          rt.partitions().add(partition(p, snapshot.get(tp), unstable.contains(tp)));
        }
      }
    }
    return result.setTopics(new ArrayList<>(byTopic.values()));
  }

  private static OffsetFetchResponseTopics topic(
      Map<String, OffsetFetchResponseTopics> byTopic, String name) {
    return byTopic.computeIfAbsent(name, n -> new OffsetFetchResponseTopics().setName(n));
  }

  private static OffsetFetchResponsePartitions partition(
      int index, CommittedOffset offset, boolean unstable) {
    OffsetFetchResponsePartitions p = new OffsetFetchResponsePartitions().setPartitionIndex(index);
    if (unstable) {
      return p.setCommittedOffset(-1)
          .setCommittedLeaderEpoch(-1)
          .setMetadata("")
          .setErrorCode(Errors.UNSTABLE_OFFSET_COMMIT.code());
    }
    if (offset == null) {
      return p.setCommittedOffset(-1).setCommittedLeaderEpoch(-1).setMetadata("");
    }
    return p.setCommittedOffset(offset.offset())
        .setCommittedLeaderEpoch(offset.leaderEpoch())
        .setMetadata(offset.metadata());
  }

  // ---------------------------------------------------------------- OffsetDelete

  /**
   * Deletes committed offsets of partitions the group does not consume: any partition of an empty
   * group; of a consumer group with members, only topics none of them subscribes to. As in Kafka,
   * the tombstone also deletes offsets that open transactions wrote for the partition.
   */
  CompletableFuture<OffsetDeleteResponseData> delete(OffsetDeleteRequestData request) {
    OffsetDeleteResponseData response = new OffsetDeleteResponseData();
    String groupId = request.groupId();
    Errors unavailable =
        groupId == null
            ? Errors.INVALID_GROUP_ID
            : coordinator.availability(coordinator.partitionFor(groupId));
    if (unavailable != Errors.NONE) {
      return done(response.setErrorCode(unavailable.code()));
    }
    Group group = coordinator.group(groupId);
    if (group == null) {
      return done(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
    }
    List<SimpleRecord> tombstones = new ArrayList<>();
    List<TopicPartition> deleted = new ArrayList<>();
    long tombstonesAt;
    synchronized (group) {
      if (group.is(GroupState.DEAD)) {
        return done(response.setErrorCode(Errors.GROUP_ID_NOT_FOUND.code()));
      }
      if (group.hasMembers()
          && !GroupCoordinator.CONSUMER_PROTOCOL_TYPE.equals(group.protocolType)) {
        return done(response.setErrorCode(Errors.NON_EMPTY_GROUP.code()));
      }
      Optional<Set<String>> subscribed =
          group.consumer != null
              ? Optional.of(Set.copyOf(group.consumer.subscribedTopics.keySet()))
              : group.hasMembers() ? subscribedTopics(group) : Optional.of(Set.of());
      long now = timer.nowMs();
      OffsetDeleteResponseTopicCollection topics = new OffsetDeleteResponseTopicCollection();
      for (OffsetDeleteRequestTopic t : request.topics()) {
        OffsetDeleteResponsePartitionCollection partitions =
            new OffsetDeleteResponsePartitionCollection();
        boolean inUse = subscribed.map(s -> s.contains(t.name())).orElse(true);
        for (OffsetDeleteRequestPartition p : t.partitions()) {
          Errors error = Errors.NONE;
          TopicPartition tp = new TopicPartition(t.name(), p.partitionIndex());
          if (inUse) {
            error = Errors.GROUP_SUBSCRIBED_TO_TOPIC;
          } else if (group.offsets.hasCommitted(tp) || group.offsets.hasPending(tp)) {
            tombstones.add(GroupStore.offsetRecord(groupId, tp, null, now));
            deleted.add(tp);
          }
          partitions.add(
              new OffsetDeleteResponsePartition()
                  .setPartitionIndex(p.partitionIndex())
                  .setErrorCode(error.code()));
        }
        topics.add(new OffsetDeleteResponseTopic().setName(t.name()).setPartitions(partitions));
      }
      response.setTopics(topics);
      try {
        tombstonesAt = tombstones.isEmpty() ? 0 : store.nextOffset(group.partition);
      } catch (IOException | RuntimeException e) {
        return done(
            new OffsetDeleteResponseData()
                .setErrorCode(GroupCoordinator.appendError(e, false).code()));
      }
    }
    return store
        .append(group.partition, tombstones, timer.nowMs())
        .handle(
            (ok, error) -> {
              if (error != null) {
                log.warn("cannot delete offsets of group {}", groupId, error);
                return new OffsetDeleteResponseData()
                    .setErrorCode(GroupCoordinator.appendError(error, false).code());
              }
              synchronized (group) {
                // Only what the tombstones follow: a commit issued after them stays.
                deleted.forEach(tp -> group.offsets.delete(tp, tombstonesAt));
              }
              return response;
            });
  }

  /**
   * The topics a consumer group's members subscribe to, read from their subscription metadata;
   * empty when some member's metadata cannot be read (then every topic counts as in use).
   */
  static Optional<Set<String>> subscribedTopics(Group group) {
    if (!GroupCoordinator.CONSUMER_PROTOCOL_TYPE.equals(group.protocolType)) {
      return Optional.empty();
    }
    Set<String> topics = new HashSet<>();
    for (GroupMember m : group.members()) {
      byte[] metadata =
          group.protocolName != null
              ? m.metadata(group.protocolName)
              : m.protocols.isEmpty() ? null : m.protocols.get(0).metadata();
      if (metadata == null) {
        return Optional.empty();
      }
      try {
        topics.addAll(ConsumerProtocol.deserializeSubscription(ByteBuffer.wrap(metadata)).topics());
      } catch (RuntimeException e) {
        return Optional.empty();
      }
    }
    return Optional.of(topics);
  }

  // ---------------------------------------------------------------- expiration

  /**
   * Removes offsets older than {@code offsets.retention.minutes}: those of an empty group once it
   * has been empty that long, of a simple group that long after their commit, of a Stable consumer
   * group for topics it no longer subscribes to, and any with an explicit expiry that passed. An
   * empty group left without offsets is deleted too. As in Kafka, an offset that an open
   * transaction also wrote does not expire, and a group with such offsets is not deleted: the
   * transaction's marker decides first.
   */
  void expireOffsets() {
    long now = timer.nowMs();
    for (Group group : List.copyOf(coordinator.groups())) {
      List<SimpleRecord> tombstones = new ArrayList<>();
      synchronized (group) {
        if (group.is(GroupState.DEAD)) {
          continue;
        }
        List<TopicPartition> expired = expiredOffsets(group, now);
        for (TopicPartition tp : expired) {
          tombstones.add(GroupStore.offsetRecord(group.groupId, tp, null, now));
          group.offsets.delete(tp);
        }
        if (group.is(GroupState.EMPTY)
            && !group.hasAnyMembers()
            && group.pendingMembers.isEmpty()
            && group.offsets.isEmpty()) {
          tombstones.add(GroupStore.groupRecord(group.groupId, null, now));
          tombstones.addAll(coordinator.consumerRebalance().tombstones(group));
          coordinator.removeGroup(group);
          log.info("group {} expired with its last offsets; deleting it", group.groupId);
        } else if (!expired.isEmpty()) {
          log.info("expired {} offsets of group {}", expired.size(), group.groupId);
        }
        if (!tombstones.isEmpty()) {
          // Under the lock: a group of the same id created next writes after these.
          store
              .append(group.partition, tombstones, now)
              .whenComplete(
                  (ok, error) -> {
                    if (error != null) {
                      log.warn("cannot write expired offsets of group {}", group.groupId, error);
                    }
                  });
        }
      }
    }
  }

  private List<TopicPartition> expiredOffsets(Group group, long now) {
    long retention = config.offsetsRetentionMs();
    boolean consumerMembers = group.consumer != null && !group.consumer.members.isEmpty();
    Optional<Set<String>> unsubscribedCheck =
        consumerMembers
            ? Optional.of(group.consumer.subscribedTopics.keySet())
            : group.is(GroupState.STABLE) ? subscribedTopics(group) : Optional.empty();
    List<TopicPartition> expired = new ArrayList<>();
    Map<TopicPartition, CommittedOffset> committed = group.offsets.committed();
    committed.forEach(
        (tp, o) -> {
          boolean gone;
          if (group.offsets.hasPending(tp)) {
            gone = false;
          } else if (o.expireTimestampMs() >= 0) {
            gone = now >= o.expireTimestampMs();
          } else if (group.is(GroupState.EMPTY) && !consumerMembers) {
            long since =
                group.protocolType != null && group.stateTimestampMs() >= 0
                    ? group.stateTimestampMs()
                    : o.commitTimestampMs();
            gone = now - since >= retention;
          } else if (unsubscribedCheck.isPresent()) {
            gone =
                !unsubscribedCheck.get().contains(tp.topic())
                    && now - o.commitTimestampMs() >= retention;
          } else {
            gone = false;
          }
          if (gone) {
            expired.add(tp);
          }
        });
    return expired;
  }

  private static <T> CompletableFuture<T> done(T value) {
    return CompletableFuture.completedFuture(value);
  }
}
