package dev.eventshop.broker.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.function.BiPredicate;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;

/**
 * A set of partitions named by topic id and partition index, as the consumer group protocol
 * (KIP-848) names a member's partitions. Immutable; a topic with no partitions is never stored, so
 * two equal sets are equal records.
 */
record Assignment(Map<Uuid, SortedSet<Integer>> partitions) {

  static final Assignment EMPTY = new Assignment(Map.of());

  Assignment {
    TreeMap<Uuid, SortedSet<Integer>> copy = new TreeMap<>();
    partitions.forEach(
        (topic, ps) -> {
          if (!ps.isEmpty()) {
            copy.put(topic, Collections.unmodifiableSortedSet(new TreeSet<>(ps)));
          }
        });
    partitions = Collections.unmodifiableSortedMap(copy);
  }

  static Assignment of(Map<Uuid, ? extends Collection<Integer>> partitions) {
    Map<Uuid, SortedSet<Integer>> sets = new TreeMap<>();
    partitions.forEach((topic, ps) -> sets.put(topic, new TreeSet<>(ps)));
    return new Assignment(sets);
  }

  /** The partitions a heartbeat says its member owns, or null when the request left them out. */
  static Assignment fromRequest(List<ConsumerGroupHeartbeatRequestData.TopicPartitions> owned) {
    if (owned == null) {
      return null;
    }
    Map<Uuid, SortedSet<Integer>> sets = new TreeMap<>();
    for (ConsumerGroupHeartbeatRequestData.TopicPartitions t : owned) {
      sets.computeIfAbsent(t.topicId(), k -> new TreeSet<>()).addAll(t.partitions());
    }
    return new Assignment(sets);
  }

  List<ConsumerGroupHeartbeatResponseData.TopicPartitions> toResponse() {
    List<ConsumerGroupHeartbeatResponseData.TopicPartitions> result = new ArrayList<>();
    partitions.forEach(
        (topic, ps) ->
            result.add(
                new ConsumerGroupHeartbeatResponseData.TopicPartitions()
                    .setTopicId(topic)
                    .setPartitions(new ArrayList<>(ps))));
    return result;
  }

  boolean isEmpty() {
    return partitions.isEmpty();
  }

  int size() {
    return partitions.values().stream().mapToInt(SortedSet::size).sum();
  }

  boolean contains(Uuid topic, int partition) {
    SortedSet<Integer> ps = partitions.get(topic);
    return ps != null && ps.contains(partition);
  }

  /** The partitions of this set for which {@code keep} holds. */
  Assignment filter(BiPredicate<Uuid, Integer> keep) {
    Map<Uuid, SortedSet<Integer>> result = new TreeMap<>();
    partitions.forEach(
        (topic, ps) -> {
          SortedSet<Integer> kept = new TreeSet<>();
          for (int p : ps) {
            if (keep.test(topic, p)) {
              kept.add(p);
            }
          }
          result.put(topic, kept);
        });
    return new Assignment(result);
  }

  Assignment minus(Assignment other) {
    return filter((topic, p) -> !other.contains(topic, p));
  }

  Assignment intersect(Assignment other) {
    return filter(other::contains);
  }

  Assignment plus(Assignment other) {
    Map<Uuid, SortedSet<Integer>> result = new TreeMap<>();
    for (Assignment a : List.of(this, other)) {
      a.partitions.forEach(
          (topic, ps) -> result.computeIfAbsent(topic, k -> new TreeSet<>()).addAll(ps));
    }
    return new Assignment(result);
  }

  boolean intersects(Assignment other) {
    return !intersect(other).isEmpty();
  }

  boolean containsAll(Assignment other) {
    return other.minus(this).isEmpty();
  }
}
