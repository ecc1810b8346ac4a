package dev.eventshop.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IntSummaryStatistics;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedSet;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.Test;

/**
 * The server-side assignors of consumer groups (KIP-848) as pure functions: every partition of a
 * subscribed topic goes to exactly one subscriber, {@code uniform} is balanced and sticky, {@code
 * range} hands out contiguous, co-partitioned ranges.
 */
class ServerAssignorTest {

  // Fixed ids, so that the order in which the assignors visit topics is the same on every run.
  static final Uuid ORDERS = new Uuid(0x1000L, 1L);
  static final Uuid PAYMENTS = new Uuid(0x2000L, 1L);
  static final Uuid SHIPMENTS = new Uuid(0x3000L, 1L);

  final ServerAssignor uniform = ServerAssignor.named("uniform").orElseThrow();
  final ServerAssignor range = ServerAssignor.named("range").orElseThrow();

  /** Every member subscribed to {@code topics}. */
  static Map<String, Set<Uuid>> everyone(List<String> members, Uuid... topics) {
    Map<String, Set<Uuid>> subscriptions = new TreeMap<>();
    for (String m : members) {
      subscriptions.put(m, Set.of(topics));
    }
    return subscriptions;
  }

  /** Each partition with its owners: an exactly-once assignment has one owner for each. */
  static Map<Uuid, Map<Integer, List<String>>> owners(Map<String, Assignment> assignment) {
    Map<Uuid, Map<Integer, List<String>>> owners = new TreeMap<>();
    assignment.forEach(
        (member, a) ->
            a.partitions()
                .forEach(
                    (topic, ps) ->
                        ps.forEach(
                            p ->
                                owners
                                    .computeIfAbsent(topic, k -> new TreeMap<>())
                                    .computeIfAbsent(p, k -> new ArrayList<>())
                                    .add(member))));
    return owners;
  }

  static void assertEveryPartitionExactlyOnce(
      Map<String, Assignment> assignment, Map<Uuid, Integer> partitionCounts) {
    Map<Uuid, Map<Integer, List<String>>> owners = owners(assignment);
    assertThat(owners.keySet()).isEqualTo(partitionCounts.keySet());
    partitionCounts.forEach(
        (topic, count) -> {
          Map<Integer, List<String>> byPartition = owners.get(topic);
          assertThat(byPartition.keySet()).as("partitions of %s", topic).hasSize(count);
          assertThat(byPartition.keySet()).allMatch(p -> p >= 0 && p < count);
          byPartition.forEach(
              (p, who) -> assertThat(who).as("owners of %s-%d", topic, p).hasSize(1));
        });
  }

  static IntSummaryStatistics sizes(Map<String, Assignment> assignment) {
    return assignment.values().stream().mapToInt(Assignment::size).summaryStatistics();
  }

  static Assignment of(Uuid topic, Integer... partitions) {
    return Assignment.of(Map.of(topic, List.of(partitions)));
  }

  @Test
  void bothAssignorsAreKnownByTheirKafkaNamesAndNoOthers() {
    assertThat(uniform.name()).isEqualTo("uniform");
    assertThat(range.name()).isEqualTo("range");
    assertThat(ServerAssignor.named("sticky")).isEmpty();
    assertThat(ServerAssignor.named("cooperative-sticky")).isEmpty();
  }

  @Test
  void uniformAssignsEveryPartitionExactlyOnceWithinOneOfEachOther() {
    List<String> members = List.of("m1", "m2", "m3", "m4");
    Map<Uuid, Integer> counts = Map.of(ORDERS, 7, PAYMENTS, 5, SHIPMENTS, 1);

    Map<String, Assignment> result =
        uniform.assign(everyone(members, ORDERS, PAYMENTS, SHIPMENTS), counts, Map.of());

    assertThat(result.keySet()).containsExactlyInAnyOrderElementsOf(members);
    assertEveryPartitionExactlyOnce(result, counts);
    IntSummaryStatistics sizes = sizes(result);
    assertThat(sizes.getSum()).isEqualTo(13);
    assertThat(sizes.getMax() - sizes.getMin()).isLessThanOrEqualTo(1);
  }

  @Test
  void uniformWithMoreMembersThanPartitionsLeavesSomeEmptyButListsThem() {
    List<String> members = List.of("m1", "m2", "m3");
    Map<Uuid, Integer> counts = Map.of(ORDERS, 2);

    Map<String, Assignment> result = uniform.assign(everyone(members, ORDERS), counts, Map.of());

    assertThat(result.keySet()).containsExactlyInAnyOrderElementsOf(members);
    assertEveryPartitionExactlyOnce(result, counts);
    assertThat(result.values()).filteredOn(Assignment::isEmpty).hasSize(1);
  }

  @Test
  void uniformBalancesDifferentSubscriptionsThroughAChainOfMembers() {
    // a takes only orders, c only payments, b both: from 3/2/1 no direct move helps (a's
    // partitions can go only to b, which has one fewer), but a -> b (orders) and b -> c
    // (payments) does.
    Map<String, Set<Uuid>> subscriptions =
        Map.of("a", Set.of(ORDERS), "b", Set.of(ORDERS, PAYMENTS), "c", Set.of(PAYMENTS));
    Map<Uuid, Integer> counts = Map.of(ORDERS, 4, PAYMENTS, 2);
    Map<String, Assignment> before =
        Map.of(
            "a",
            of(ORDERS, 0, 1, 2),
            "b",
            of(ORDERS, 3).plus(of(PAYMENTS, 0)),
            "c",
            of(PAYMENTS, 1));

    Map<String, Assignment> after = uniform.assign(subscriptions, counts, before);

    assertEveryPartitionExactlyOnce(after, counts);
    assertThat(after.values()).extracting(Assignment::size).containsOnly(2);
    assertThat(after.get("a").partitions().keySet()).containsOnly(ORDERS);
    assertThat(after.get("c").partitions().keySet()).containsOnly(PAYMENTS);
  }

  @Test
  void uniformIsDeterministic() {
    List<String> members = List.of("c", "a", "b");
    Map<Uuid, Integer> counts = Map.of(ORDERS, 10, PAYMENTS, 3);

    Map<String, Assignment> first =
        uniform.assign(everyone(members, ORDERS, PAYMENTS), counts, Map.of());
    Map<String, Assignment> second =
        uniform.assign(everyone(members, ORDERS, PAYMENTS), new HashMap<>(counts), Map.of());

    assertThat(second).isEqualTo(first);
  }

  @Test
  void uniformAddingAMemberMovesOnlyThePartitionsItNeeds() {
    Map<Uuid, Integer> counts = Map.of(ORDERS, 12);
    Map<String, Assignment> before =
        uniform.assign(everyone(List.of("m1", "m2"), ORDERS), counts, Map.of());
    assertThat(before.get("m1").size()).isEqualTo(6);
    assertThat(before.get("m2").size()).isEqualTo(6);

    Map<String, Assignment> after =
        uniform.assign(everyone(List.of("m1", "m2", "m3"), ORDERS), counts, before);

    assertEveryPartitionExactlyOnce(after, counts);
    assertThat(after.values()).allSatisfy(a -> assertThat(a.size()).isEqualTo(4));
    // The old members only give up partitions; the newcomer gets exactly what they gave up.
    assertThat(before.get("m1").containsAll(after.get("m1"))).isTrue();
    assertThat(before.get("m2").containsAll(after.get("m2"))).isTrue();
    int moved =
        before.get("m1").minus(after.get("m1")).size()
            + before.get("m2").minus(after.get("m2")).size();
    assertThat(moved).isEqualTo(4);
  }

  @Test
  void uniformRemovingAMemberKeepsTheOthersPartitions() {
    Map<Uuid, Integer> counts = Map.of(ORDERS, 7, PAYMENTS, 5);
    Map<String, Assignment> before =
        uniform.assign(everyone(List.of("m1", "m2", "m3"), ORDERS, PAYMENTS), counts, Map.of());

    Map<String, Assignment> after =
        uniform.assign(everyone(List.of("m1", "m3"), ORDERS, PAYMENTS), counts, before);

    assertThat(after.keySet()).containsExactlyInAnyOrder("m1", "m3");
    assertEveryPartitionExactlyOnce(after, counts);
    assertThat(after.get("m1").containsAll(before.get("m1"))).isTrue();
    assertThat(after.get("m3").containsAll(before.get("m3"))).isTrue();
    assertThat(Math.abs(after.get("m1").size() - after.get("m3").size())).isLessThanOrEqualTo(1);
    // Only m2's partitions changed hands.
    Assignment gained =
        after.get("m1").minus(before.get("m1")).plus(after.get("m3").minus(before.get("m3")));
    assertThat(gained).isEqualTo(before.get("m2"));
  }

  @Test
  void uniformUnchangedGroupKeepsItsAssignment() {
    Map<Uuid, Integer> counts = Map.of(ORDERS, 9, PAYMENTS, 4);
    Map<String, Set<Uuid>> subscriptions = everyone(List.of("m1", "m2", "m3"), ORDERS, PAYMENTS);
    Map<String, Assignment> before = uniform.assign(subscriptions, counts, Map.of());

    assertThat(uniform.assign(subscriptions, counts, before)).isEqualTo(before);
  }

  @Test
  void uniformHeterogeneousSubscriptionsOnlyGivePartitionsOfSubscribedTopics() {
    Map<String, Set<Uuid>> subscriptions = new TreeMap<>();
    subscriptions.put("m1", Set.of(ORDERS));
    subscriptions.put("m2", Set.of(ORDERS, PAYMENTS));
    subscriptions.put("m3", Set.of(PAYMENTS, SHIPMENTS));
    subscriptions.put("m4", Set.of());
    Map<Uuid, Integer> counts = Map.of(ORDERS, 4, PAYMENTS, 4, SHIPMENTS, 3);

    Map<String, Assignment> result = uniform.assign(subscriptions, counts, Map.of());

    assertEveryPartitionExactlyOnce(result, counts);
    result.forEach(
        (member, a) ->
            assertThat(subscriptions.get(member)).as(member).containsAll(a.partitions().keySet()));
    assertThat(result.get("m4").isEmpty()).isTrue();
    // m1 can only have orders, m3 all of shipments: 11 partitions split 4/4/3 among m1..m3 is
    // possible (m1: 4 orders, m2: 4 payments, m3: 3 shipments) and so is 4/3/4; both within one.
    List<Integer> subscribed =
        List.of(result.get("m1").size(), result.get("m2").size(), result.get("m3").size());
    assertThat(
            subscribed.stream().mapToInt(i -> i).max().orElseThrow()
                - subscribed.stream().mapToInt(i -> i).min().orElseThrow())
        .as("sizes of m1, m2, m3: %s", subscribed)
        .isLessThanOrEqualTo(1);
  }

  @Test
  void uniformHeterogeneousBalancesThroughAMemberSharedByTwoTopics() {
    // m1 only orders, m3 only payments, m2 both: 3/3/3 is possible, but only if m2 takes orders
    // and leaves payments to m3. The topic with the lower id (payments here) is assigned first.
    Uuid orders = new Uuid(0x9000L, 1L);
    Uuid payments = new Uuid(0x1000L, 1L);
    Map<String, Set<Uuid>> subscriptions = new TreeMap<>();
    subscriptions.put("m1", Set.of(orders));
    subscriptions.put("m2", Set.of(orders, payments));
    subscriptions.put("m3", Set.of(payments));
    Map<Uuid, Integer> counts = Map.of(orders, 6, payments, 3);

    Map<String, Assignment> result = uniform.assign(subscriptions, counts, Map.of());

    assertEveryPartitionExactlyOnce(result, counts);
    assertThat(result.get("m1").partitions().keySet()).containsOnly(orders);
    assertThat(result.get("m3").partitions().keySet()).containsOnly(payments);
    assertThat(
            Map.of(
                "m1",
                result.get("m1").size(),
                "m2",
                result.get("m2").size(),
                "m3",
                result.get("m3").size()))
        .as("Kafka's uniform assignor: sizes differ by at most one where subscriptions allow")
        .containsOnly(Map.entry("m1", 3), Map.entry("m2", 3), Map.entry("m3", 3));
  }

  @Test
  void uniformHeterogeneousStaysAsBalancedAsSubscriptionsAllow() {
    // m1 alone subscribes to a one-partition topic: it cannot have more than that.
    Map<String, Set<Uuid>> subscriptions = new TreeMap<>();
    subscriptions.put("m1", Set.of(SHIPMENTS));
    subscriptions.put("m2", Set.of(ORDERS));
    subscriptions.put("m3", Set.of(ORDERS));
    Map<Uuid, Integer> counts = Map.of(ORDERS, 9, SHIPMENTS, 1);

    Map<String, Assignment> result = uniform.assign(subscriptions, counts, Map.of());

    assertEveryPartitionExactlyOnce(result, counts);
    assertThat(result.get("m1")).isEqualTo(of(SHIPMENTS, 0));
    assertThat(Math.abs(result.get("m2").size() - result.get("m3").size())).isLessThanOrEqualTo(1);
  }

  @Test
  void uniformDropsPartitionsOfTopicsAMemberNoLongerSubscribes() {
    Map<Uuid, Integer> counts = Map.of(ORDERS, 4, PAYMENTS, 4);
    Map<String, Assignment> before =
        uniform.assign(everyone(List.of("m1", "m2"), ORDERS, PAYMENTS), counts, Map.of());

    Map<String, Set<Uuid>> now = new TreeMap<>();
    now.put("m1", Set.of(ORDERS));
    now.put("m2", Set.of(ORDERS, PAYMENTS));
    Map<String, Assignment> after = uniform.assign(now, counts, before);

    assertEveryPartitionExactlyOnce(after, counts);
    assertThat(after.get("m1").partitions().keySet()).containsOnly(ORDERS);
    assertThat(after.get("m2").partitions().get(PAYMENTS)).containsExactly(0, 1, 2, 3);
    assertThat(Math.abs(after.get("m1").size() - after.get("m2").size())).isLessThanOrEqualTo(1);
  }

  @Test
  void uniformAssignsTheNewPartitionsOfAGrownTopicAndKeepsTheOld() {
    Map<String, Set<Uuid>> subscriptions = everyone(List.of("m1", "m2"), ORDERS);
    Map<String, Assignment> before = uniform.assign(subscriptions, Map.of(ORDERS, 4), Map.of());

    Map<Uuid, Integer> grown = Map.of(ORDERS, 8);
    Map<String, Assignment> after = uniform.assign(subscriptions, grown, before);

    assertEveryPartitionExactlyOnce(after, grown);
    assertThat(after.get("m1").containsAll(before.get("m1"))).isTrue();
    assertThat(after.get("m2").containsAll(before.get("m2"))).isTrue();
    assertThat(after.get("m1").size()).isEqualTo(4);
    assertThat(after.get("m2").size()).isEqualTo(4);
  }

  @Test
  void uniformForgetsPartitionsOfADeletedOrShrunkTopic() {
    Map<String, Set<Uuid>> subscriptions = everyone(List.of("m1", "m2"), ORDERS, PAYMENTS);
    Map<String, Assignment> before =
        uniform.assign(subscriptions, Map.of(ORDERS, 6, PAYMENTS, 2), Map.of());

    Map<Uuid, Integer> now = Map.of(ORDERS, 3);
    Map<String, Assignment> after = uniform.assign(subscriptions, now, before);

    assertEveryPartitionExactlyOnce(after, now);
  }

  @Test
  void rangeGivesEachMemberContiguousRangesFirstMembersOneMore() {
    List<String> members = List.of("m3", "m1", "m2");
    Map<Uuid, Integer> counts = Map.of(ORDERS, 7, PAYMENTS, 3);

    Map<String, Assignment> result =
        range.assign(everyone(members, ORDERS, PAYMENTS), counts, Map.of());

    assertEveryPartitionExactlyOnce(result, counts);
    // In member id order: 7 = 3 + 2 + 2, 3 = 1 + 1 + 1.
    assertThat(result.get("m1").partitions().get(ORDERS)).containsExactly(0, 1, 2);
    assertThat(result.get("m2").partitions().get(ORDERS)).containsExactly(3, 4);
    assertThat(result.get("m3").partitions().get(ORDERS)).containsExactly(5, 6);
    assertThat(result.get("m1").partitions().get(PAYMENTS)).containsExactly(0);
    assertThat(result.get("m2").partitions().get(PAYMENTS)).containsExactly(1);
    assertThat(result.get("m3").partitions().get(PAYMENTS)).containsExactly(2);
  }

  @Test
  void rangeCoPartitionsTopicsWithTheSamePartitionCount() {
    List<String> members = List.of("m1", "m2", "m3");
    Map<Uuid, Integer> counts = Map.of(ORDERS, 8, PAYMENTS, 8);

    Map<String, Assignment> result =
        range.assign(everyone(members, ORDERS, PAYMENTS), counts, Map.of());

    assertEveryPartitionExactlyOnce(result, counts);
    for (String m : members) {
      SortedSet<Integer> orders = result.get(m).partitions().get(ORDERS);
      assertThat(result.get(m).partitions().get(PAYMENTS)).as(m).isEqualTo(orders);
      assertThat(orders.last() - orders.first() + 1).as("contiguous " + m).isEqualTo(orders.size());
    }
  }

  @Test
  void rangeSplitsEachTopicAmongItsOwnSubscribers() {
    Map<String, Set<Uuid>> subscriptions = new TreeMap<>();
    subscriptions.put("m1", Set.of(ORDERS));
    subscriptions.put("m2", Set.of(ORDERS, PAYMENTS));
    subscriptions.put("m3", Set.of(PAYMENTS));
    subscriptions.put("m4", Set.of());
    Map<Uuid, Integer> counts = Map.of(ORDERS, 5, PAYMENTS, 4);

    Map<String, Assignment> result = range.assign(subscriptions, counts, Map.of());

    assertEveryPartitionExactlyOnce(result, counts);
    assertThat(result.get("m1")).isEqualTo(of(ORDERS, 0, 1, 2));
    assertThat(result.get("m2"))
        .isEqualTo(Assignment.of(Map.of(ORDERS, List.of(3, 4), PAYMENTS, List.of(0, 1))));
    assertThat(result.get("m3")).isEqualTo(of(PAYMENTS, 2, 3));
    assertThat(result.get("m4")).isEqualTo(Assignment.EMPTY);
  }

  @Test
  void bothAssignorsAssignNothingWithoutTopicsButListEveryMember() {
    Map<String, Set<Uuid>> subscriptions = everyone(List.of("m1", "m2"));
    for (ServerAssignor assignor : List.of(uniform, range)) {
      Map<String, Assignment> result = assignor.assign(subscriptions, Map.of(), Map.of());
      assertThat(result).as(assignor.name()).containsOnlyKeys("m1", "m2");
      assertThat(result.values()).allMatch(Assignment::isEmpty);
    }
  }

  @Test
  void uniformSurvivesManyMembersAndTopicsInOnePass() {
    List<String> members = new ArrayList<>();
    for (int i = 0; i < 50; i++) {
      members.add("member-" + i);
    }
    Map<Uuid, Integer> counts = new HashMap<>();
    Set<Uuid> topics = new HashSet<>();
    for (int t = 0; t < 20; t++) {
      Uuid id = new Uuid(0x100L + t, 7L);
      counts.put(id, 1 + t * 3);
      topics.add(id);
    }
    Map<String, Set<Uuid>> subscriptions = new TreeMap<>();
    members.forEach(m -> subscriptions.put(m, topics));

    Map<String, Assignment> result = uniform.assign(subscriptions, counts, Map.of());

    assertEveryPartitionExactlyOnce(result, counts);
    IntSummaryStatistics sizes = sizes(result);
    assertThat(sizes.getMax() - sizes.getMin()).isLessThanOrEqualTo(1);
    // And a member leaving keeps everyone else's partitions.
    subscriptions.remove("member-7");
    Map<String, Assignment> after = uniform.assign(subscriptions, counts, result);
    assertEveryPartitionExactlyOnce(after, counts);
    after.forEach((m, a) -> assertThat(a.containsAll(result.get(m))).as(m).isTrue());
  }
}
