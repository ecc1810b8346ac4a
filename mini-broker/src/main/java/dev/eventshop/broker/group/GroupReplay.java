package dev.eventshop.broker.group;

import dev.eventshop.broker.group.ConsumerGroupRecords.CurrentAssignment;
import dev.eventshop.broker.group.ConsumerGroupRecords.MemberMetadata;
import dev.eventshop.broker.group.OffsetsTopicFormat.ConsumerGroupEntry;
import dev.eventshop.broker.group.OffsetsTopicFormat.Entry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupEntry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.OffsetEntry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The groups of one {@code __consumer_offsets} partition as its records describe them, rebuilt by
 * replaying the log in order ({@link GroupStore#load}): the last metadata record of each group, the
 * records of each consumer group (KIP-848, {@link ConsumerGroupRecords}), and its offsets under the
 * rules of {@link GroupOffsets}. Records of a transactional batch are pending for their producer
 * until its marker commits or aborts them; those still pending at the end of the log stay pending,
 * as their marker may come later. Used by one loading thread only.
 */
final class GroupReplay implements GroupStore.Replay {

  private static final org.slf4j.Logger log = org.slf4j.LoggerFactory.getLogger(GroupReplay.class);

  private final Map<String, GroupSnapshot> metadata = new LinkedHashMap<>();
  private final Map<String, GroupOffsets> offsets = new LinkedHashMap<>();
  private final Map<String, ConsumerState> consumerGroups = new LinkedHashMap<>();

  /** Where each group's last classic metadata record is, to tell which type came last. */
  private final Map<String, Long> classicAt = new HashMap<>();

  /** A consumer group's records, the last of each key. */
  private static final class ConsumerState {
    Integer groupEpoch;
    long groupEpochAt = -1;
    Integer assignmentEpoch;
    final Map<String, MemberMetadata> members = new LinkedHashMap<>();
    final Map<String, Assignment> target = new HashMap<>();
    final Map<String, CurrentAssignment> current = new HashMap<>();
  }

  /** The groups each producer's open transaction wrote offsets to, to find them on its marker. */
  private final Map<Long, Set<String>> openTransactions = new HashMap<>();

  @Override
  public void record(Entry entry, long batchOffset, long producerId) {
    // Java 17 has no pattern switch; the sealed Entry has exactly these two kinds.
    if (entry instanceof OffsetEntry o) {
      GroupOffsets group = offsets.computeIfAbsent(o.groupId(), id -> new GroupOffsets());
      if (producerId != RecordBatch.NO_PRODUCER_ID) {
        // A coordinator writes only offsets in a transaction, never tombstones.
        if (o.value() != null) {
          group.addPending(producerId, o.partition(), new StoredOffset(o.value(), batchOffset));
          openTransactions.computeIfAbsent(producerId, id -> new HashSet<>()).add(o.groupId());
        }
      } else if (o.value() == null) {
        group.delete(o.partition(), batchOffset);
      } else {
        group.commit(o.partition(), new StoredOffset(o.value(), batchOffset));
      }
    } else if (entry instanceof GroupEntry g) {
      metadata.put(g.groupId(), g.value());
      if (g.value() != null) {
        classicAt.put(g.groupId(), batchOffset);
      }
    } else if (entry instanceof ConsumerGroupEntry c) {
      consumerRecord(c.record(), batchOffset);
    }
  }

  private void consumerRecord(ConsumerGroupRecords.Entry record, long batchOffset) {
    ConsumerGroupRecords.Key key = record.key();
    ConsumerState state = consumerGroups.computeIfAbsent(key.groupId(), id -> new ConsumerState());
    Object value = record.value();
    switch (key.type()) {
      case ConsumerGroupRecords.GROUP_EPOCH -> {
        state.groupEpoch = (Integer) value;
        state.groupEpochAt = batchOffset;
      }
      case ConsumerGroupRecords.TARGET_EPOCH -> state.assignmentEpoch = (Integer) value;
      case ConsumerGroupRecords.MEMBER_METADATA -> put(state.members, key, (MemberMetadata) value);
      case ConsumerGroupRecords.TARGET_MEMBER -> put(state.target, key, (Assignment) value);
      case ConsumerGroupRecords.CURRENT_ASSIGNMENT ->
          put(state.current, key, (CurrentAssignment) value);
      default -> {} // kept by Kafka, derived here
    }
  }

  private static <V> void put(Map<String, V> map, ConsumerGroupRecords.Key key, V value) {
    if (value == null) {
      map.remove(key.memberId());
    } else {
      map.put(key.memberId(), value);
    }
  }

  /**
   * The consumer group its records describe, or null if it is not one (no group epoch record, or
   * its tombstone). Members are those with metadata; a member without a current assignment record
   * has not been assigned yet.
   */
  ConsumerGroup consumerGroup(String groupId) {
    if (!isConsumerGroup(groupId)) {
      return null;
    }
    ConsumerState state = consumerGroups.get(groupId);
    ConsumerGroup group = new ConsumerGroup();
    group.groupEpoch = state.groupEpoch;
    group.assignmentEpoch = state.assignmentEpoch == null ? 0 : state.assignmentEpoch;
    state.members.forEach(
        (id, m) -> {
          ConsumerMember member = new ConsumerMember(id);
          member.instanceId = m.instanceId();
          member.rackId = m.rackId();
          member.clientId = m.clientId();
          member.clientHost = m.clientHost();
          member.subscribedTopicNames = List.copyOf(m.subscribedTopicNames());
          member.subscribedTopicRegex = m.subscribedTopicRegex();
          member.subscribedTopicPattern = pattern(groupId, id, m.subscribedTopicRegex());
          member.rebalanceTimeoutMs = m.rebalanceTimeoutMs();
          member.serverAssignor = m.serverAssignor();
          member.classic = m.classic();
          CurrentAssignment c = state.current.get(id);
          if (c != null) {
            member.memberEpoch = c.memberEpoch();
            member.previousMemberEpoch = c.previousMemberEpoch();
            member.state = c.state();
            member.assigned = c.assigned();
            member.pendingRevocation = c.pendingRevocation();
          }
          group.members.put(id, member);
          Assignment target = state.target.get(id);
          if (target != null) {
            group.target.put(id, target);
          }
        });
    return group;
  }

  /**
   * For a group that is not a consumer group but still has consumer group records in the log (the
   * write that deleted them when it became classic failed): what the next consumer group write must
   * delete. Null when there are none.
   */
  ConsumerGroupRecords.Image consumerLeftovers(String groupId) {
    ConsumerState state = consumerGroups.get(groupId);
    if (state == null || isConsumerGroup(groupId)) {
      return null;
    }
    Set<String> ids = new HashSet<>(state.members.keySet());
    ids.addAll(state.target.keySet());
    ids.addAll(state.current.keySet());
    if (ids.isEmpty() && state.groupEpoch == null && state.assignmentEpoch == null) {
      return null;
    }
    return ConsumerGroupRecords.unknownOf(ids);
  }

  /**
   * Whether the group's records make it a consumer group: a group epoch record, not deleted, and no
   * classic record after it (one written when a failed write left the consumer records behind).
   */
  private boolean isConsumerGroup(String groupId) {
    ConsumerState state = consumerGroups.get(groupId);
    return state != null
        && state.groupEpoch != null
        && classicAt.getOrDefault(groupId, -1L) < state.groupEpochAt;
  }

  /** A stored regular expression compiled; one that does not compile matches nothing. */
  private static com.google.re2j.Pattern pattern(String groupId, String memberId, String regex) {
    if (regex == null) {
      return null;
    }
    try {
      return com.google.re2j.Pattern.compile(regex);
    } catch (com.google.re2j.PatternSyntaxException e) {
      log.warn(
          "member {} of consumer group {}: stored regular expression {} does not compile ({});"
              + " it subscribes to no topic by it",
          memberId,
          groupId,
          regex,
          e.getDescription());
      return null;
    }
  }

  @Override
  public void marker(long producerId, boolean commit) {
    Set<String> groupIds = openTransactions.remove(producerId);
    if (groupIds != null) {
      for (String id : groupIds) {
        offsets.get(id).completeTransaction(producerId, commit);
      }
    }
  }

  /**
   * The groups that exist: with metadata (classic or consumer group), or with committed or pending
   * offsets.
   */
  Set<String> groupIds() {
    Set<String> ids = new LinkedHashSet<>();
    metadata.forEach(
        (id, snapshot) -> {
          if (snapshot != null) {
            ids.add(id);
          }
        });
    offsets.forEach(
        (id, o) -> {
          if (!o.isEmpty()) {
            ids.add(id);
          }
        });
    consumerGroups.keySet().stream().filter(this::isConsumerGroup).forEach(ids::add);
    return ids;
  }

  /** The group's last metadata, or null if it has none (a group that only stores offsets). */
  GroupSnapshot metadata(String groupId) {
    return metadata.get(groupId);
  }

  GroupOffsets offsets(String groupId) {
    return offsets.getOrDefault(groupId, new GroupOffsets());
  }
}
