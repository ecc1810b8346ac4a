package dev.eventshop.broker.group;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;

/**
 * The assignors the coordinator runs for consumer groups (KIP-848 moved assignment from the group
 * leader to the broker), under Kafka's names: {@code uniform}, the default, and {@code range}. Both
 * are pure functions of the members' subscriptions, the subscribed topics' partition counts and the
 * previous target assignment, so every coordinator computes the same result.
 */
sealed interface ServerAssignor {

  String name();

  /**
   * The target assignment: every member of {@code subscriptions} (member id to the ids of the
   * existing topics it subscribes to) gets an entry, every partition of a subscribed topic goes to
   * exactly one member subscribed to its topic.
   *
   * @param partitionCounts the number of partitions of every subscribed topic
   * @param previous the previous target assignment, kept where it stays balanced
   */
  Map<String, Assignment> assign(
      Map<String, Set<Uuid>> subscriptions,
      Map<Uuid, Integer> partitionCounts,
      Map<String, Assignment> previous);

  static Optional<ServerAssignor> named(String name) {
    return switch (name) {
      case Uniform.NAME -> Optional.of(new Uniform());
      case Range.NAME -> Optional.of(new Range());
      default -> Optional.empty();
    };
  }

  /** For each topic, the members subscribed to it, in member id order. */
  private static Map<Uuid, List<String>> subscribers(
      Map<String, Set<Uuid>> subscriptions, Collection<Uuid> topics) {
    List<String> members = new ArrayList<>(new TreeSet<>(subscriptions.keySet()));
    Map<Uuid, List<String>> result = new HashMap<>();
    for (Uuid topic : topics) {
      result.put(
          topic, members.stream().filter(m -> subscriptions.get(m).contains(topic)).toList());
    }
    return result;
  }

  /** Each member's partitions as its assignment. */
  private static Map<String, Assignment> assignments(
      Map<String, Map<Uuid, SortedSet<Integer>>> owned) {
    Map<String, Assignment> result = new TreeMap<>();
    owned.forEach((m, ps) -> result.put(m, new Assignment(ps)));
    return result;
  }

  /**
   * Balanced and sticky: each member keeps the partitions it had that it still subscribes to, the
   * rest go one by one to the eligible member with the fewest (topics with the most partitions per
   * subscriber first), and then partitions move from a member to an eligible one with at least two
   * fewer until no such move exists, or, with different subscriptions, no chain of moves through
   * other members (each handing on a partition of a topic the next one subscribes to). With
   * identical subscriptions, member counts then differ by at most one, as Kafka's uniform assignor
   * promises.
   */
  record Uniform() implements ServerAssignor {
    static final String NAME = "uniform";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public Map<String, Assignment> assign(
        Map<String, Set<Uuid>> subscriptions,
        Map<Uuid, Integer> partitionCounts,
        Map<String, Assignment> previous) {
      List<String> members = new ArrayList<>(new TreeSet<>(subscriptions.keySet()));
      Map<Uuid, List<String>> eligibleFor = subscribers(subscriptions, partitionCounts.keySet());
      Map<String, Map<Uuid, SortedSet<Integer>>> owned = new TreeMap<>();
      Map<String, Integer> counts = new HashMap<>();
      Map<Uuid, Map<Integer, String>> owner = new TreeMap<>();
      for (String m : members) {
        owned.put(m, new TreeMap<>());
        counts.put(m, 0);
      }
      // Stickiness: keep what each member had and may still have (first claim wins).
      for (String m : members) {
        Assignment before = previous.getOrDefault(m, Assignment.EMPTY);
        before
            .partitions()
            .forEach(
                (topic, ps) -> {
                  int count = partitionCounts.getOrDefault(topic, 0);
                  if (!subscriptions.get(m).contains(topic)) {
                    return;
                  }
                  for (int p : ps) {
                    Map<Integer, String> topicOwners =
                        owner.computeIfAbsent(topic, k -> new HashMap<>());
                    if (p < count && !topicOwners.containsKey(p)) {
                      give(m, topic, p, owned, counts, topicOwners);
                    }
                  }
                });
      }
      // The rest, each to the eligible member holding the fewest; topics with the most
      // partitions per subscriber first, as Kafka orders them, so that members subscribed to
      // fewer topics are not filled up by a small topic they share with others.
      List<Uuid> order = new ArrayList<>(new TreeSet<>(partitionCounts.keySet()));
      Map<Uuid, Double> perSubscriber = new HashMap<>();
      for (Uuid topic : order) {
        int subscribers = eligibleFor.get(topic).size();
        perSubscriber.put(
            topic, subscribers == 0 ? 0 : partitionCounts.get(topic) / (double) subscribers);
      }
      order.sort((a, b) -> Double.compare(perSubscriber.get(b), perSubscriber.get(a)));
      for (Uuid topic : order) {
        List<String> eligible = eligibleFor.get(topic);
        if (eligible.isEmpty()) {
          continue;
        }
        Map<Integer, String> topicOwners = owner.computeIfAbsent(topic, k -> new HashMap<>());
        for (int p = 0; p < partitionCounts.get(topic); p++) {
          if (!topicOwners.containsKey(p)) {
            give(fewest(eligible, counts), topic, p, owned, counts, topicOwners);
          }
        }
      }
      long guard = 1L + (long) members.size() * owner.values().stream().mapToInt(Map::size).sum();
      do {
        balance(members, eligibleFor, owned, counts, owner);
      } while (guard-- > 0 && chainMove(members, eligibleFor, owned, counts, owner));
      return assignments(owned);
    }

    /**
     * With different subscriptions, a member may have two more than another that no direct move
     * reaches: moves one partition along a chain of members instead (the first gives one to the
     * second, the second one of another topic to the third, ...), so that only the two ends' counts
     * change. Found by a breadth-first search from the fullest members; returns whether it moved.
     */
    private static boolean chainMove(
        List<String> members,
        Map<Uuid, List<String>> eligibleFor,
        Map<String, Map<Uuid, SortedSet<Integer>>> owned,
        Map<String, Integer> counts,
        Map<Uuid, Map<Integer, String>> owner) {
      List<String> byCount = new ArrayList<>(members);
      byCount.sort((a, b) -> Integer.compare(counts.get(b), counts.get(a)));
      int min = byCount.isEmpty() ? 0 : counts.get(byCount.get(byCount.size() - 1));
      for (String start : byCount) {
        if (counts.get(start) - min <= 1) {
          return false; // nobody is two lighter than any member from here on
        }
        Map<String, String> parent = new HashMap<>();
        Map<String, Uuid> via = new HashMap<>();
        parent.put(start, null);
        java.util.ArrayDeque<String> queue = new java.util.ArrayDeque<>(List.of(start));
        while (!queue.isEmpty()) {
          String from = queue.poll();
          for (Map.Entry<Uuid, SortedSet<Integer>> e : owned.get(from).entrySet()) {
            List<String> eligible = eligibleFor.get(e.getKey());
            if (e.getValue().isEmpty() || eligible == null) {
              continue;
            }
            for (String to : eligible) {
              if (parent.containsKey(to)) {
                continue;
              }
              parent.put(to, from);
              via.put(to, e.getKey());
              if (counts.get(start) - counts.get(to) > 1) {
                // Hand on from the far end, so each member gives before it receives.
                for (String m = to; parent.get(m) != null; m = parent.get(m)) {
                  String giver = parent.get(m);
                  SortedSet<Integer> ps = owned.get(giver).get(via.get(m));
                  int p = ps.last();
                  ps.remove(p);
                  counts.merge(giver, -1, Integer::sum);
                  give(m, via.get(m), p, owned, counts, owner.get(via.get(m)));
                }
                return true;
              }
              queue.add(to);
            }
          }
        }
      }
      return false;
    }

    /**
     * Moves partitions from fuller members to eligible emptier ones until no member has two more
     * than an eligible other. Each move lowers the sum of squared counts, so this ends; the bound
     * is a guard.
     */
    private static void balance(
        List<String> members,
        Map<Uuid, List<String>> eligibleFor,
        Map<String, Map<Uuid, SortedSet<Integer>>> owned,
        Map<String, Integer> counts,
        Map<Uuid, Map<Integer, String>> owner) {
      long guard = 1L + (long) members.size() * owner.values().stream().mapToInt(Map::size).sum();
      boolean moved = true;
      while (moved && guard-- > 0) {
        moved = false;
        List<String> byCount = new ArrayList<>(members);
        byCount.sort((a, b) -> Integer.compare(counts.get(b), counts.get(a)));
        search:
        for (String from : byCount) {
          for (Map.Entry<Uuid, SortedSet<Integer>> e : owned.get(from).entrySet()) {
            Uuid topic = e.getKey();
            if (e.getValue().isEmpty()) {
              continue;
            }
            List<String> eligible = eligibleFor.get(topic);
            if (eligible == null) {
              continue; // not a subscribed topic any more
            }
            String to = fewest(eligible, counts);
            if (counts.get(from) - counts.get(to) > 1) {
              int p = e.getValue().last();
              e.getValue().remove(p);
              counts.merge(from, -1, Integer::sum);
              give(to, topic, p, owned, counts, owner.get(topic));
              moved = true;
              break search;
            }
          }
        }
      }
    }

    private static String fewest(List<String> eligible, Map<String, Integer> counts) {
      String best = eligible.get(0);
      for (String m : eligible) {
        if (counts.get(m) < counts.get(best)) {
          best = m;
        }
      }
      return best;
    }

    private static void give(
        String member,
        Uuid topic,
        int partition,
        Map<String, Map<Uuid, SortedSet<Integer>>> owned,
        Map<String, Integer> counts,
        Map<Integer, String> topicOwners) {
      owned.get(member).computeIfAbsent(topic, k -> new TreeSet<>()).add(partition);
      counts.merge(member, 1, Integer::sum);
      topicOwners.put(partition, member);
    }
  }

  /**
   * Per topic, the members subscribed to it in member id order take contiguous ranges of its
   * partitions, the first ones one more when the partitions do not divide evenly: members with the
   * same subscriptions get the same partition numbers of every topic (co-partitioning), as with the
   * classic range assignor.
   */
  record Range() implements ServerAssignor {
    static final String NAME = "range";

    @Override
    public String name() {
      return NAME;
    }

    @Override
    public Map<String, Assignment> assign(
        Map<String, Set<Uuid>> subscriptions,
        Map<Uuid, Integer> partitionCounts,
        Map<String, Assignment> previous) {
      Map<String, Map<Uuid, SortedSet<Integer>>> owned = new TreeMap<>();
      subscriptions.keySet().forEach(m -> owned.put(m, new TreeMap<>()));
      Map<Uuid, List<String>> eligibleFor = subscribers(subscriptions, partitionCounts.keySet());
      partitionCounts.forEach(
          (topic, count) -> {
            List<String> eligible = eligibleFor.get(topic);
            if (eligible.isEmpty()) {
              return;
            }
            int base = count / eligible.size();
            int extra = count % eligible.size();
            int next = 0;
            for (int i = 0; i < eligible.size(); i++) {
              int size = base + (i < extra ? 1 : 0);
              SortedSet<Integer> range = new TreeSet<>();
              for (int p = next; p < next + size; p++) {
                range.add(p);
              }
              next += size;
              owned.get(eligible.get(i)).put(topic, range);
            }
          });
      return assignments(owned);
    }
  }
}
