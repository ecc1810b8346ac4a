package dev.eventshop.broker.metadata;

import java.util.ArrayList;
import java.util.List;

/**
 * Round-robin replica placement over the live brokers, as Kafka places replicas without racks:
 * partition {@code p}'s first replica (its preferred leader) is broker {@code (p + startIndex) mod
 * n}, and its followers sit at a distance from it that grows by one each time the partitions wrap
 * around the brokers, so leaders and followers both spread evenly. A random start per topic keeps
 * many small topics from all leading on the same broker.
 *
 * <p>Guarantees: every partition gets {@code replicationFactor} distinct brokers; the result
 * depends only on the arguments (it is computed identically on every node).
 */
final class ReplicaAssignment {

  private ReplicaAssignment() {}

  /**
   * @param liveBrokers ids of the unfenced brokers, sorted; at least {@code replicationFactor}
   * @param firstPartition the id of the first partition to place (existing count when growing)
   */
  static List<List<Integer>> assign(
      List<Integer> liveBrokers,
      int firstPartition,
      int count,
      int replicationFactor,
      int startIndex,
      int shift) {
    int n = liveBrokers.size();
    if (replicationFactor < 1 || replicationFactor > n) {
      throw new IllegalArgumentException(
          "replication factor " + replicationFactor + " with " + n + " live brokers");
    }
    int start = Math.floorMod(startIndex, n);
    List<List<Integer>> result = new ArrayList<>(count);
    for (int p = firstPartition; p < firstPartition + count; p++) {
      int first = (p + start) % n;
      // The distance of the followers from the first replica changes each round of n partitions.
      int roundShift = Math.floorMod(shift + p / n, Math.max(1, n - 1));
      List<Integer> replicas = new ArrayList<>(replicationFactor);
      replicas.add(liveBrokers.get(first));
      for (int j = 0; j < replicationFactor - 1; j++) {
        int distance = 1 + (roundShift + j) % (n - 1);
        replicas.add(liveBrokers.get((first + distance) % n));
      }
      result.add(List.copyOf(replicas));
    }
    return List.copyOf(result);
  }
}
