package dev.eventshop.broker.group;

import dev.eventshop.broker.group.OffsetsTopicFormat.Entry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupEntry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.OffsetEntry;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.record.RecordBatch;

/**
 * The groups of one {@code __consumer_offsets} partition as its records describe them, rebuilt by
 * replaying the log in order ({@link GroupStore#load}): the last metadata record of each group, and
 * its offsets under the rules of {@link GroupOffsets}. Records of a transactional batch are pending
 * for their producer until its marker commits or aborts them; those still pending at the end of the
 * log stay pending, as their marker may come later. Used by one loading thread only.
 */
final class GroupReplay implements GroupStore.Replay {

  private final Map<String, GroupSnapshot> metadata = new LinkedHashMap<>();
  private final Map<String, GroupOffsets> offsets = new LinkedHashMap<>();

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

  /** The groups that exist: with metadata, or with committed or pending offsets. */
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
