package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ReplicaAssignmentTest {

  @Test
  void leadersRotateOverBrokersFromTheStartIndex() {
    List<List<Integer>> a = ReplicaAssignment.assign(List.of(1, 2, 3), 0, 3, 3, 1, 0);
    assertThat(a).extracting(r -> r.get(0)).containsExactly(2, 3, 1);
  }

  @Test
  void everyPartitionGetsDistinctReplicas() {
    for (int n = 1; n <= 5; n++) {
      List<Integer> brokers = new java.util.ArrayList<>();
      for (int b = 0; b < n; b++) {
        brokers.add(b + 10);
      }
      for (int rf = 1; rf <= n; rf++) {
        for (int start = 0; start < n; start++) {
          for (List<Integer> replicas : ReplicaAssignment.assign(brokers, 0, 12, rf, start, 3)) {
            assertThat(replicas).hasSize(rf);
            assertThat(new HashSet<>(replicas)).hasSize(rf);
            assertThat(brokers).containsAll(replicas);
          }
        }
      }
    }
  }

  @Test
  void leadershipAndReplicasSpreadEvenly() {
    List<List<Integer>> a = ReplicaAssignment.assign(List.of(1, 2, 3, 4), 0, 8, 2, 0, 0);
    Map<Integer, Integer> leaders = new HashMap<>();
    Map<Integer, Integer> replicas = new HashMap<>();
    for (List<Integer> r : a) {
      leaders.merge(r.get(0), 1, Integer::sum);
      r.forEach(b -> replicas.merge(b, 1, Integer::sum));
    }
    assertThat(leaders)
        .containsOnlyKeys(1, 2, 3, 4)
        .allSatisfy((b, c) -> assertThat(c).isEqualTo(2));
    assertThat(replicas).allSatisfy((b, c) -> assertThat(c).isEqualTo(4));
  }

  @Test
  void sameInputsSameAssignment() {
    assertThat(ReplicaAssignment.assign(List.of(1, 2, 3), 2, 5, 2, 7, 11))
        .isEqualTo(ReplicaAssignment.assign(List.of(1, 2, 3), 2, 5, 2, 7, 11));
  }
}
