package dev.eventshop.broker.group;

import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * The offsets of one group: the committed ones, which OffsetFetch shows, and the transactional ones
 * (KIP-98's TxnOffsetCommit), which stay pending per producer id until the transaction's marker in
 * {@code __consumer_offsets} commits or aborts them.
 *
 * <p>The same rules apply whether requests change the offsets or a replay of the log rebuilds them,
 * so a restarted coordinator ends where the running one was:
 *
 * <ul>
 *   <li>a COMMIT marker makes the producer's pending offsets committed, except for a partition
 *       whose committed offset has a newer record (a plain OffsetCommit written after the
 *       transactional one wins, by log position);
 *   <li>an ABORT marker drops them;
 *   <li>a plain tombstone (OffsetDelete, DeleteGroups, expiration) deletes the partition's
 *       committed offset and the pending offsets written before it, as Kafka's coordinator does.
 * </ul>
 *
 * <p>Invariant: no producer maps to an empty set of pending offsets. Not thread-safe: guarded by
 * the lock of the group that owns it.
 */
final class GroupOffsets {

  private final Map<TopicPartition, StoredOffset> committed = new LinkedHashMap<>();
  private final Map<Long, Map<TopicPartition, StoredOffset>> pending = new HashMap<>();

  /** Whether there is neither a committed nor a pending offset. */
  boolean isEmpty() {
    return committed.isEmpty() && pending.isEmpty();
  }

  // ---------------------------------------------------------------- committed offsets

  /** The committed offsets, in the order their partitions were first committed (a copy). */
  Map<TopicPartition, CommittedOffset> committed() {
    Map<TopicPartition, CommittedOffset> values = new LinkedHashMap<>();
    committed.forEach((tp, stored) -> values.put(tp, stored.value()));
    return values;
  }

  boolean hasCommitted(TopicPartition tp) {
    return committed.containsKey(tp);
  }

  /** Makes {@code offset} the committed one, unless the committed one's record is newer. */
  void commit(TopicPartition tp, StoredOffset offset) {
    StoredOffset current = committed.get(tp);
    if (current == null || current.logOffset() <= offset.logOffset()) {
      committed.put(tp, offset);
    }
  }

  /**
   * A plain tombstone for {@code tp} at {@code tombstoneOffset}: forgets the committed offset and
   * every pending one whose record comes before it.
   */
  void delete(TopicPartition tp, long tombstoneOffset) {
    StoredOffset current = committed.get(tp);
    if (current != null && current.logOffset() < tombstoneOffset) {
      committed.remove(tp);
    }
    Iterator<Map<TopicPartition, StoredOffset>> producers = pending.values().iterator();
    while (producers.hasNext()) {
      Map<TopicPartition, StoredOffset> offsets = producers.next();
      StoredOffset p = offsets.get(tp);
      if (p != null && p.logOffset() < tombstoneOffset) {
        offsets.remove(tp);
        if (offsets.isEmpty()) {
          producers.remove();
        }
      }
    }
  }

  /** A tombstone written now for {@code tp}: everything known so far is older. */
  void delete(TopicPartition tp) {
    delete(tp, Long.MAX_VALUE);
  }

  /** Forgets every offset, committed and pending (the group is deleted). */
  void clear() {
    committed.clear();
    pending.clear();
  }

  // ---------------------------------------------------------------- pending transactional offsets

  /**
   * Records an offset that {@code producerId}'s open transaction wrote for {@code tp}.
   *
   * @return the producer's pending offset for {@code tp} that this one replaces, or null
   */
  StoredOffset addPending(long producerId, TopicPartition tp, StoredOffset offset) {
    return pending.computeIfAbsent(producerId, id -> new LinkedHashMap<>()).put(tp, offset);
  }

  /**
   * Withdraws a pending offset whose append failed and puts back the one it replaced (an append
   * refused for an old producer epoch must not undo the current epoch's offset), unless something
   * changed it meanwhile: a later commit of the producer, or its marker.
   */
  void withdrawPending(
      long producerId, TopicPartition tp, StoredOffset failed, StoredOffset replaced) {
    Map<TopicPartition, StoredOffset> offsets = pending.get(producerId);
    if (offsets == null || offsets.get(tp) != failed) {
      return;
    }
    if (replaced != null) {
      offsets.put(tp, replaced);
    } else {
      offsets.remove(tp);
      if (offsets.isEmpty()) {
        pending.remove(producerId);
      }
    }
  }

  /** Whether some open transaction wrote an offset for {@code tp}. */
  boolean hasPending(TopicPartition tp) {
    for (Map<TopicPartition, StoredOffset> offsets : pending.values()) {
      if (offsets.containsKey(tp)) {
        return true;
      }
    }
    return false;
  }

  /** The partitions some open transaction wrote an offset for. */
  Set<TopicPartition> pendingPartitions() {
    Set<TopicPartition> partitions = new LinkedHashSet<>();
    pending.values().forEach(offsets -> partitions.addAll(offsets.keySet()));
    return partitions;
  }

  /**
   * Ends {@code producerId}'s transaction on this group: COMMIT makes its pending offsets committed
   * (where no newer plain commit exists), ABORT drops them.
   *
   * @return whether the producer had pending offsets here
   */
  boolean completeTransaction(long producerId, boolean commit) {
    Map<TopicPartition, StoredOffset> offsets = pending.remove(producerId);
    if (offsets == null) {
      return false;
    }
    if (commit) {
      offsets.forEach(this::commit);
    }
    return true;
  }
}
