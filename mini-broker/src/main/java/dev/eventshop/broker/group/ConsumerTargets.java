package dev.eventshop.broker.group;

import com.google.re2j.Pattern;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What a consumer group's assignment depends on, and the assignment: the subscribed topics that
 * exist now (by name, and by the members' regular expressions), and the target assignment computed
 * at the group epoch with the server assignor most members ask for ({@link ServerAssignor}). Holds
 * no state; callers hold the group's lock.
 */
final class ConsumerTargets {

  private static final Logger log = LoggerFactory.getLogger(ConsumerTargets.class);

  private final GroupConfig config;
  private final TopicCatalog topics;

  ConsumerTargets(GroupConfig config, TopicCatalog topics) {
    this.config = config;
    this.topics = topics;
  }

  /** The subscribed topics that exist now: by name, and by the members' regular expressions. */
  Map<String, TopicCatalog.Topic> subscribedTopics(ConsumerGroup cg) {
    Map<String, TopicCatalog.Topic> result = new TreeMap<>();
    List<Pattern> patterns = new ArrayList<>();
    for (ConsumerMember m : cg.members()) {
      for (String name : m.subscribedTopicNames) {
        topics.topic(name).ifPresent(t -> result.put(name, t));
      }
      if (m.subscribedTopicPattern != null) {
        patterns.add(m.subscribedTopicPattern);
      }
    }
    if (!patterns.isEmpty()) {
      for (String name : topics.names()) {
        if (patterns.stream().anyMatch(p -> p.matcher(name).matches())) {
          topics.topic(name).ifPresent(t -> result.put(name, t));
        }
      }
    }
    return result;
  }

  private static Set<Uuid> subscribedTopicIds(ConsumerGroup cg, ConsumerMember m) {
    Set<Uuid> ids = new HashSet<>();
    Pattern pattern = m.subscribedTopicPattern;
    cg.subscribedTopics.forEach(
        (name, topic) -> {
          if (m.subscribedTopicNames.contains(name)
              || (pattern != null && pattern.matcher(name).matches())) {
            ids.add(topic.id());
          }
        });
    return ids;
  }

  /** Computes the target assignment at the current group epoch, by {@link #preferredAssignor}. */
  void compute(String groupId, ConsumerGroup cg) {
    String name = preferredAssignor(cg);
    ServerAssignor assignor = ServerAssignor.named(name).orElseThrow();
    Map<String, Set<Uuid>> subscriptions = new TreeMap<>();
    for (ConsumerMember m : cg.members()) {
      subscriptions.put(m.memberId, subscribedTopicIds(cg, m));
    }
    Map<Uuid, Integer> partitionCounts = new TreeMap<>();
    cg.subscribedTopics.values().forEach(t -> partitionCounts.put(t.id(), t.partitions()));
    cg.target = new HashMap<>(assignor.assign(subscriptions, partitionCounts, cg.target));
    cg.assignmentEpoch = cg.groupEpoch;
    cg.assignorName = assignor.name();
    log.info(
        "consumer group {} epoch {}: target assignment by {} for {} members",
        groupId,
        cg.groupEpoch,
        assignor.name(),
        cg.members.size());
  }

  /** The assignor most members ask for; the first configured one when none asks. */
  String preferredAssignor(ConsumerGroup cg) {
    Map<String, Integer> votes = new HashMap<>();
    for (ConsumerMember m : cg.members()) {
      if (m.serverAssignor != null) {
        votes.merge(m.serverAssignor, 1, Integer::sum);
      }
    }
    String name = config.consumerAssignors().get(0);
    int best = 0;
    for (String candidate : config.consumerAssignors()) {
      int count = votes.getOrDefault(candidate, 0);
      if (count > best) {
        best = count;
        name = candidate;
      }
    }
    return name;
  }

  /** Whether the target assigns exactly the partitions of these subscribed topics. */
  static boolean covers(ConsumerGroup consumer, Map<String, TopicCatalog.Topic> subscribed) {
    Map<Uuid, Set<Integer>> expected = new HashMap<>();
    subscribed
        .values()
        .forEach(
            t -> {
              Set<Integer> all = new HashSet<>();
              for (int p = 0; p < t.partitions(); p++) {
                all.add(p);
              }
              expected.put(t.id(), all);
            });
    Map<Uuid, Set<Integer>> targeted = new HashMap<>();
    consumer.target.values().stream()
        .flatMap(a -> a.partitions().entrySet().stream())
        .forEach(
            e -> targeted.computeIfAbsent(e.getKey(), k -> new HashSet<>()).addAll(e.getValue()));
    return expected.equals(targeted);
  }

  /**
   * Topic names by id: the subscribed topics', then, unless they already name every id of {@code
   * needed} (null: any id), every other topic that exists now.
   */
  Map<Uuid, String> topicNames(ConsumerGroup cg, java.util.Collection<Uuid> needed) {
    Map<Uuid, String> names = new HashMap<>();
    cg.subscribedTopics.forEach((name, t) -> names.put(t.id(), name));
    if (needed != null && names.keySet().containsAll(needed)) {
      return names; // the usual case: no look through every topic of the cluster
    }
    for (String name : topics.names()) {
      topics.topic(name).ifPresent(t -> names.putIfAbsent(t.id(), name));
    }
    return names;
  }

  /**
   * Partitions by topic name as an assignment by topic id; topics that do not exist are left out.
   */
  Assignment byId(List<org.apache.kafka.common.TopicPartition> partitions) {
    Map<Uuid, java.util.SortedSet<Integer>> byTopic = new TreeMap<>();
    for (org.apache.kafka.common.TopicPartition tp : partitions) {
      topics
          .topic(tp.topic())
          .ifPresent(
              t ->
                  byTopic
                      .computeIfAbsent(t.id(), k -> new java.util.TreeSet<>())
                      .add(tp.partition()));
    }
    return new Assignment(byTopic);
  }
}
