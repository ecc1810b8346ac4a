package dev.eventshop.broker.group;

import static dev.eventshop.broker.group.GroupHarness.joinData;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * The consumer group protocol of KIP-848 through ConsumerGroupHeartbeat: joining, the revoke-then-
 * assign reconciliation, fencing by epoch, session and rebalance timeouts, static members, topics
 * that appear or grow, and how the other group APIs treat a consumer group.
 */
@Timeout(10)
class ConsumerRebalanceTest {

  static final String GROUP = "shipping";
  static final Uuid ORDERS = new Uuid(0x0badcafeL, 42L);
  static final Uuid PAYMENTS = new Uuid(0x0decadeL, 43L);

  @TempDir Path dir;
  GroupHarness h;

  @BeforeEach
  void open() {
    h = new GroupHarness(dir, GroupHarness.config(0));
    h.topics.put("orders", new TopicCatalog.Topic(ORDERS, 6));
  }

  @AfterEach
  void close() {
    h.close();
  }

  // ------------------------------------------------------------------ a consumer, as a test sees
  // it

  /**
   * What a consumer keeps between heartbeats: its member id (chosen by itself, as v1 requires), its
   * epoch, and the partitions it owns. Like a real consumer it owns whatever the last assignment
   * said, having revoked the rest before its next heartbeat.
   */
  final class Member {
    final String id;
    final String instanceId;
    int epoch;
    Assignment owned = Assignment.EMPTY;

    Member(String id) {
      this(id, null);
    }

    Member(String id, String instanceId) {
      this.id = id;
      this.instanceId = instanceId;
    }

    ConsumerGroupHeartbeatResponseData join(String... topics) {
      return send(joining(id, instanceId, topics));
    }

    /** A heartbeat that reports the partitions the member owns. */
    ConsumerGroupHeartbeatResponseData heartbeat() {
      return send(beat(id, epoch, owned));
    }

    ConsumerGroupHeartbeatResponseData leave() {
      return call(
          new ConsumerGroupHeartbeatRequestData()
              .setGroupId(GROUP)
              .setMemberId(id)
              .setInstanceId(instanceId)
              .setMemberEpoch(instanceId == null ? -1 : -2));
    }

    ConsumerGroupHeartbeatResponseData send(ConsumerGroupHeartbeatRequestData data) {
      ConsumerGroupHeartbeatResponseData r = call(data);
      if (error(r) == Errors.NONE) {
        epoch = r.memberEpoch();
        if (r.assignment() != null) {
          owned = assigned(r);
        }
      }
      return r;
    }
  }

  static ConsumerGroupHeartbeatRequestData joining(
      String memberId, String instanceId, String... topics) {
    return new ConsumerGroupHeartbeatRequestData()
        .setGroupId(GROUP)
        .setMemberId(memberId)
        .setInstanceId(instanceId)
        .setMemberEpoch(0)
        .setRebalanceTimeoutMs(30_000)
        .setSubscribedTopicNames(List.of(topics))
        .setTopicPartitions(List.of());
  }

  /** A heartbeat as the consumer sends it between joins: only the epoch and what it owns. */
  static ConsumerGroupHeartbeatRequestData beat(String memberId, int epoch, Assignment owned) {
    return new ConsumerGroupHeartbeatRequestData()
        .setGroupId(GROUP)
        .setMemberId(memberId)
        .setMemberEpoch(epoch)
        .setTopicPartitions(owned == null ? null : toRequest(owned));
  }

  static List<ConsumerGroupHeartbeatRequestData.TopicPartitions> toRequest(Assignment a) {
    List<ConsumerGroupHeartbeatRequestData.TopicPartitions> result = new ArrayList<>();
    a.partitions()
        .forEach(
            (topic, ps) ->
                result.add(
                    new ConsumerGroupHeartbeatRequestData.TopicPartitions()
                        .setTopicId(topic)
                        .setPartitions(new ArrayList<>(ps))));
    return result;
  }

  static Assignment assigned(ConsumerGroupHeartbeatResponseData r) {
    Map<Uuid, List<Integer>> partitions = new TreeMap<>();
    r.assignment()
        .topicPartitions()
        .forEach(t -> partitions.put(t.topicId(), List.copyOf(t.partitions())));
    return Assignment.of(partitions);
  }

  static Assignment orders(Integer... partitions) {
    return Assignment.of(Map.of(ORDERS, List.of(partitions)));
  }

  static Errors error(ConsumerGroupHeartbeatResponseData r) {
    return Errors.forCode(r.errorCode());
  }

  ConsumerGroupHeartbeatResponseData call(ConsumerGroupHeartbeatRequestData data) {
    return h.call(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 1, data);
  }

  DescribedGroup describe(String group) {
    ConsumerGroupDescribeResponseData r =
        h.call(
            ApiKeys.CONSUMER_GROUP_DESCRIBE,
            1,
            new ConsumerGroupDescribeRequestData().setGroupIds(List.of(group)));
    return r.groups().get(0);
  }

  List<ListedGroup> listGroups(List<String> states, List<String> types) {
    ListGroupsResponseData r =
        h.call(
            ApiKeys.LIST_GROUPS,
            5,
            new ListGroupsRequestData().setStatesFilter(states).setTypesFilter(types));
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    return r.groups();
  }

  String stateOf(String group) {
    return listGroups(List.of(), List.of()).stream()
        .filter(g -> g.groupId().equals(group))
        .map(ListedGroup::groupState)
        .findFirst()
        .orElse(null);
  }

  /** Two members of {@code orders} through the whole handover, both Stable at epoch 2. */
  Member[] twoStableMembers(Member a, Member b) {
    a.join("orders");
    b.join("orders");
    a.heartbeat(); // told to revoke
    a.heartbeat(); // acks the revocation, moves to epoch 2
    b.heartbeat(); // gets the released partitions
    assertThat(a.epoch).isEqualTo(2);
    assertThat(b.epoch).isEqualTo(2);
    assertThat(a.owned.size()).isEqualTo(3);
    assertThat(b.owned.size()).isEqualTo(3);
    assertThat(stateOf(GROUP)).isEqualTo("Stable");
    return new Member[] {a, b};
  }

  static OffsetCommitRequestData commit(String memberId, int epoch, long offset) {
    return new OffsetCommitRequestData()
        .setGroupId(GROUP)
        .setMemberId(memberId)
        .setGenerationIdOrMemberEpoch(epoch)
        .setTopics(
            List.of(
                new OffsetCommitRequestTopic()
                    .setName("orders")
                    .setPartitions(
                        List.of(
                            new OffsetCommitRequestPartition()
                                .setPartitionIndex(0)
                                .setCommittedOffset(offset)))));
  }

  Errors commitError(int version, OffsetCommitRequestData data) {
    OffsetCommitResponseData r = h.call(ApiKeys.OFFSET_COMMIT, version, data);
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  OffsetFetchResponseGroup fetch(String memberId, int epoch) {
    OffsetFetchResponseData r =
        h.call(
            ApiKeys.OFFSET_FETCH,
            9,
            new OffsetFetchRequestData()
                .setGroups(
                    List.of(
                        new OffsetFetchRequestGroup()
                            .setGroupId(GROUP)
                            .setMemberId(memberId)
                            .setMemberEpoch(epoch)
                            .setTopics(
                                List.of(
                                    new OffsetFetchRequestTopics()
                                        .setName("orders")
                                        .setPartitionIndexes(List.of(0)))))));
    return r.groups().get(0);
  }

  static long committed(OffsetFetchResponseGroup g) {
    return g.topics().get(0).partitions().get(0).committedOffset();
  }

  // ------------------------------------------------------------------ request validation

  @Test
  void invalidRequestsGetInvalidRequestWithKafkasMessage() {
    Map<String, ConsumerGroupHeartbeatRequestData> cases = new LinkedHashMap<>();
    cases.put("MemberId can't be empty.", joining("", null, "orders"));
    cases.put("GroupId can't be empty.", joining("m", null, "orders").setGroupId(""));
    cases.put("InstanceId can't be empty.", joining("m", "", "orders"));
    cases.put("RackId can't be empty.", joining("m", null, "orders").setRackId(" "));
    cases.put(
        "RebalanceTimeoutMs must be provided in first request.",
        joining("m", null, "orders").setRebalanceTimeoutMs(-1));
    cases.put(
        "TopicPartitions must be empty when (re-)joining.",
        joining("m", null, "orders").setTopicPartitions(null));
    cases.put(
        "Either SubscribedTopicNames or SubscribedTopicRegex must be non-null when (re-)joining.",
        joining("m", null).setSubscribedTopicNames(null));
    cases.put(
        "InstanceId can't be null.",
        new ConsumerGroupHeartbeatRequestData()
            .setGroupId(GROUP)
            .setMemberId("m")
            .setMemberEpoch(-2));
    cases.put(
        "MemberEpoch is invalid.",
        new ConsumerGroupHeartbeatRequestData()
            .setGroupId(GROUP)
            .setMemberId("m")
            .setMemberEpoch(-3));

    cases.forEach(
        (message, data) -> {
          ConsumerGroupHeartbeatResponseData r = call(data);
          assertThat(error(r)).as(message).isEqualTo(Errors.INVALID_REQUEST);
          assertThat(r.errorMessage()).isEqualTo(message);
        });
    // Nothing was created by any of them.
    assertThat(listGroups(List.of(), List.of())).isEmpty();
  }

  @Test
  void joiningWithOwnedPartitionsIsInvalid() {
    ConsumerGroupHeartbeatResponseData r =
        call(joining("m", null, "orders").setTopicPartitions(toRequest(orders(0))));

    assertThat(error(r)).isEqualTo(Errors.INVALID_REQUEST);
    assertThat(r.errorMessage()).isEqualTo("TopicPartitions must be empty when (re-)joining.");
  }

  @Test
  void versionZeroJoinWithoutMemberIdGetsOneFromTheCoordinator() {
    ConsumerGroupHeartbeatResponseData r =
        h.call(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 0, joining("", null, "orders"));

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberId()).isNotBlank();
    assertThat(r.memberEpoch()).isEqualTo(1);
  }

  @Test
  void versionZeroStillRequiresTheMemberIdOfAMemberThatHeartbeats() {
    ConsumerGroupHeartbeatResponseData r =
        h.call(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 0, beat("", 1, Assignment.EMPTY));

    assertThat(error(r)).isEqualTo(Errors.INVALID_REQUEST);
    assertThat(r.errorMessage()).isEqualTo("MemberId can't be empty.");
  }

  @Test
  void invalidRegularExpressionIsRefused() {
    ConsumerGroupHeartbeatResponseData r =
        call(joining("m", null).setSubscribedTopicNames(null).setSubscribedTopicRegex("ord[("));

    assertThat(error(r)).isEqualTo(Errors.INVALID_REGULAR_EXPRESSION);
    assertThat(r.errorMessage()).startsWith("SubscribedTopicRegex `ord[(` is not a valid");
  }

  @Test
  void aLeaveIsNotRefusedForARegularExpressionItCarries() {
    Member a = new Member("member-a");
    a.join("orders");

    ConsumerGroupHeartbeatResponseData r =
        call(beat(a.id, -1, null).setSubscribedTopicRegex("ord[("));

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(describe(GROUP).members()).isEmpty();
  }

  // ------------------------------------------------------------------ joining and reconciling

  @Test
  void firstMemberJoinsWithEpochZeroAndGetsEpochOneAndEveryPartition() {
    Member a = new Member("member-a");

    ConsumerGroupHeartbeatResponseData r = a.join("orders");

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.errorMessage()).isNull();
    assertThat(r.memberId()).isEqualTo("member-a");
    assertThat(r.memberEpoch()).isEqualTo(1);
    assertThat(r.heartbeatIntervalMs()).isEqualTo(5_000);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(stateOf(GROUP)).isEqualTo("Stable");

    // A heartbeat with nothing new keeps the epoch and leaves the assignment out.
    ConsumerGroupHeartbeatResponseData again = a.heartbeat();
    assertThat(error(again)).isEqualTo(Errors.NONE);
    assertThat(again.memberEpoch()).isEqualTo(1);
    assertThat(again.assignment()).isNull();
  }

  @Test
  void subscriptionByRegularExpressionGetsTheMatchingTopics() {
    h.topics.put("payments", new TopicCatalog.Topic(PAYMENTS, 2));
    Member a = new Member("member-a");

    ConsumerGroupHeartbeatResponseData r =
        a.send(joining(a.id, null).setSubscribedTopicNames(null).setSubscribedTopicRegex("ord.*"));

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(describe(GROUP).members().get(0).subscribedTopicRegex()).isEqualTo("ord.*");
  }

  @Test
  void secondMemberGetsOnlyReleasedPartitionsAfterTheFirstRevokes() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.join("orders");

    // b joins: the group moves to epoch 2, but every partition b's target holds is a's.
    ConsumerGroupHeartbeatResponseData bJoined = b.join("orders");
    assertThat(bJoined.memberEpoch()).isEqualTo(2);
    assertThat(assigned(bJoined)).isEqualTo(Assignment.EMPTY);

    // a must first revoke: it keeps epoch 1 and is given the smaller set it keeps.
    ConsumerGroupHeartbeatResponseData revoke = a.heartbeat();
    assertThat(error(revoke)).isEqualTo(Errors.NONE);
    assertThat(revoke.memberEpoch()).isEqualTo(1);
    Assignment kept = assigned(revoke);
    assertThat(kept.size()).isEqualTo(3);
    assertThat(orders(0, 1, 2, 3, 4, 5).containsAll(kept)).isTrue();
    DescribedGroup reconciling = describe(GROUP);
    assertThat(reconciling.groupState()).isEqualTo("Reconciling");
    assertThat(reconciling.groupEpoch()).isEqualTo(2);
    assertThat(reconciling.assignmentEpoch()).isEqualTo(2);

    // Until a says it let go, b gets nothing: the partitions are unreleased.
    ConsumerGroupHeartbeatResponseData waiting = b.heartbeat();
    assertThat(waiting.memberEpoch()).isEqualTo(2);
    assertThat(b.owned).isEqualTo(Assignment.EMPTY);

    // A heartbeat that still reports the revoked partitions does not count as the ack.
    ConsumerGroupHeartbeatResponseData stillRevoking =
        a.send(beat(a.id, 1, orders(0, 1, 2, 3, 4, 5)));
    assertThat(stillRevoking.memberEpoch()).isEqualTo(1);
    assertThat(b.heartbeat().memberEpoch()).isEqualTo(2);
    assertThat(b.owned).isEqualTo(Assignment.EMPTY);

    // a acks by reporting only what it kept: it reaches epoch 2.
    assertThat(a.owned).isEqualTo(kept);
    ConsumerGroupHeartbeatResponseData acked = a.heartbeat();
    assertThat(error(acked)).isEqualTo(Errors.NONE);
    assertThat(acked.memberEpoch()).isEqualTo(2);
    assertThat(a.owned).isEqualTo(kept);

    // Now b gets the released partitions.
    ConsumerGroupHeartbeatResponseData released = b.heartbeat();
    assertThat(released.memberEpoch()).isEqualTo(2);
    assertThat(assigned(released)).isEqualTo(orders(0, 1, 2, 3, 4, 5).minus(kept));
    assertThat(a.owned.intersects(b.owned)).isFalse();
    assertThat(a.owned.plus(b.owned)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(stateOf(GROUP)).isEqualTo("Stable");
  }

  @Test
  void heartbeatThatLeavesOutOwnedPartitionsDoesNotAckARevocation() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.join("orders");
    b.join("orders");
    a.heartbeat(); // told to revoke

    ConsumerGroupHeartbeatResponseData r = a.send(beat(a.id, 1, null));

    assertThat(r.memberEpoch()).isEqualTo(1);
    b.heartbeat();
    assertThat(b.owned).isEqualTo(Assignment.EMPTY);
  }

  // ------------------------------------------------------------------ fencing

  @Test
  void largerEpochIsFenced() {
    Member a = new Member("member-a");
    a.join("orders");

    ConsumerGroupHeartbeatResponseData r = call(beat(a.id, 2, a.owned));

    assertThat(error(r)).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
    assertThat(r.errorMessage())
        .isEqualTo(
            "The consumer group member has a greater member epoch (2) than the one known by the"
                + " group coordinator (1). The member must abandon all its partitions and rejoin.");
  }

  @Test
  void smallerEpochOtherThanThePreviousIsFenced() {
    Member a = new Member("member-a");
    a.join("orders");
    // Each change of subscription moves the group, and a with it, to a new epoch: 2, then 3.
    a.send(beat(a.id, 1, a.owned).setSubscribedTopicNames(List.of("orders", "payments")));
    a.send(beat(a.id, 2, a.owned).setSubscribedTopicNames(List.of("orders")));
    assertThat(a.epoch).isEqualTo(3);

    ConsumerGroupHeartbeatResponseData r = call(beat(a.id, 1, Assignment.EMPTY));

    assertThat(error(r)).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
    assertThat(r.errorMessage())
        .isEqualTo(
            "The consumer group member has a smaller member epoch (1) than the one known by the"
                + " group coordinator (3). The member must abandon all its partitions and rejoin.");
  }

  @Test
  void previousEpochIsAcceptedWhileWhatItOwnsIsPartOfTheCurrentAssignment() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    twoStableMembers(a, b);
    Assignment owned = a.owned;

    // As if a's last response (epoch 2) was lost: it heartbeats at epoch 1 with what it owns now.
    ConsumerGroupHeartbeatResponseData accepted = call(beat(a.id, 1, owned));
    assertThat(error(accepted)).isEqualTo(Errors.NONE);
    assertThat(accepted.memberEpoch()).isEqualTo(2);

    // At epoch 1 a owned all six: a partition that is b's now means a must be fenced.
    ConsumerGroupHeartbeatResponseData fenced = call(beat(a.id, 1, orders(0, 1, 2, 3, 4, 5)));
    assertThat(error(fenced)).isEqualTo(Errors.FENCED_MEMBER_EPOCH);

    // Nor is the previous epoch accepted when the member does not say what it owns.
    assertThat(error(call(beat(a.id, 1, null)))).isEqualTo(Errors.FENCED_MEMBER_EPOCH);
  }

  @Test
  void fencedMemberRejoinsWithEpochZero() {
    Member a = new Member("member-a");
    a.join("orders");
    assertThat(error(call(beat(a.id, 7, a.owned)))).isEqualTo(Errors.FENCED_MEMBER_EPOCH);

    ConsumerGroupHeartbeatResponseData r = a.join("orders");

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberEpoch()).isEqualTo(1);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
  }

  @Test
  void unknownMemberIdIsRefused() {
    new Member("member-a").join("orders");

    ConsumerGroupHeartbeatResponseData r = call(beat("ghost", 1, Assignment.EMPTY));

    assertThat(error(r)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(r.errorMessage()).isEqualTo("Member ghost is not a member of group shipping.");
  }

  @Test
  void heartbeatToAGroupThatDoesNotExistIsGroupIdNotFound() {
    ConsumerGroupHeartbeatResponseData r = call(beat("ghost", 3, Assignment.EMPTY));

    assertThat(error(r)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(r.errorMessage()).isEqualTo("Consumer group " + GROUP + " not found.");
    assertThat(listGroups(List.of(), List.of())).isEmpty();
  }

  @Test
  void unsupportedAssignorIsRefusedAndCreatesNoGroup() {
    ConsumerGroupHeartbeatResponseData r =
        call(joining("member-a", null, "orders").setServerAssignor("sticky"));

    assertThat(error(r)).isEqualTo(Errors.UNSUPPORTED_ASSIGNOR);
    assertThat(r.errorMessage())
        .isEqualTo("ServerAssignor sticky is not supported. Supported assignors: uniform, range.");
    assertThat(listGroups(List.of(), List.of())).isEmpty();
  }

  @Test
  void membersAskingForRangeGetRangeAssignments() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.send(joining(a.id, null, "orders").setServerAssignor("range"));
    b.send(joining(b.id, null, "orders").setServerAssignor("range"));

    assertThat(describe(GROUP).assignorName()).isEqualTo("range");
    a.heartbeat();
    a.heartbeat();
    b.heartbeat();
    assertThat(a.owned).isEqualTo(orders(0, 1, 2));
    assertThat(b.owned).isEqualTo(orders(3, 4, 5));
  }

  // ------------------------------------------------------------------ timeouts

  @Test
  void memberThatMissesItsSessionTimeoutIsFencedAndTheOtherGetsItsPartitions() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    twoStableMembers(a, b);

    h.advance(30_000);
    b.heartbeat();
    h.advance(14_999);
    assertThat(describe(GROUP).members()).hasSize(2);
    h.advance(2); // 45 001 ms since a's last heartbeat

    assertThat(describe(GROUP).members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactly("member-b");
    ConsumerGroupHeartbeatResponseData r = b.heartbeat();
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(error(a.heartbeat())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void memberThatDoesNotRevokeWithinItsRebalanceTimeoutIsFenced() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.send(joining(a.id, null, "orders").setRebalanceTimeoutMs(10_000));
    b.join("orders");
    assertThat(a.heartbeat().memberEpoch()).isEqualTo(1); // told to revoke

    // It keeps heartbeating (so its session lives) but never lets go.
    h.advance(5_000);
    assertThat(error(a.send(beat(a.id, 1, orders(0, 1, 2, 3, 4, 5))))).isEqualTo(Errors.NONE);
    b.heartbeat();
    h.advance(4_999);
    assertThat(describe(GROUP).members()).hasSize(2);
    h.advance(2);

    assertThat(describe(GROUP).members()).hasSize(1);
    ConsumerGroupHeartbeatResponseData r = b.heartbeat();
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(error(call(beat(a.id, 1, orders(0, 1, 2))))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void revokingInTimeCancelsTheRebalanceTimeout() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.send(joining(a.id, null, "orders").setRebalanceTimeoutMs(10_000));
    b.join("orders");
    a.heartbeat();
    a.heartbeat(); // acks at once

    h.advance(10_001);

    assertThat(describe(GROUP).members()).hasSize(2);
    assertThat(error(a.heartbeat())).isEqualTo(Errors.NONE);
  }

  // ------------------------------------------------------------------ leaving, static members

  @Test
  void memberLeavesWithEpochMinusOneAndTheOtherTakesOver() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    twoStableMembers(a, b);

    ConsumerGroupHeartbeatResponseData left = a.leave();

    assertThat(error(left)).isEqualTo(Errors.NONE);
    assertThat(left.memberId()).isEqualTo("member-a");
    assertThat(left.memberEpoch()).isEqualTo(-1);
    DescribedGroup assigning = describe(GROUP);
    assertThat(assigning.groupEpoch()).isEqualTo(3);
    assertThat(assigning.groupState()).isEqualTo("Assigning");
    assertThat(stateOf(GROUP)).isEqualTo("Assigning");

    ConsumerGroupHeartbeatResponseData r = b.heartbeat();
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(stateOf(GROUP)).isEqualTo("Stable");

    b.leave();
    assertThat(stateOf(GROUP)).isEqualTo("Empty");
    assertThat(error(a.heartbeat())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void leavingAGroupThatDoesNotExistIsGroupIdNotFound() {
    ConsumerGroupHeartbeatResponseData r = new Member("member-a").leave();

    assertThat(error(r)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(r.errorMessage()).isEqualTo("Group shipping not found.");
  }

  @Test
  void staticMemberThatComesBackUnderANewIdKeepsItsPartitionsWithoutAGroupEpochBump() {
    Member a = new Member("member-a", "instance-a");
    Member b = new Member("member-b");
    twoStableMembers(a, b);
    Assignment aOwned = a.owned;
    Assignment bOwned = b.owned;

    ConsumerGroupHeartbeatResponseData left = a.leave();
    assertThat(error(left)).isEqualTo(Errors.NONE);
    assertThat(left.memberEpoch()).isEqualTo(-2);
    assertThat(describe(GROUP).groupEpoch()).isEqualTo(2);
    ConsumerGroupHeartbeatResponseData meanwhile = b.heartbeat();
    assertThat(meanwhile.memberEpoch()).isEqualTo(2);
    assertThat(meanwhile.assignment()).isNull();

    Member back = new Member("member-a-restarted", "instance-a");
    ConsumerGroupHeartbeatResponseData r = back.join("orders");

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberId()).isEqualTo("member-a-restarted");
    assertThat(r.memberEpoch()).isEqualTo(2);
    assertThat(assigned(r)).isEqualTo(aOwned);
    DescribedGroup g = describe(GROUP);
    assertThat(g.groupEpoch()).isEqualTo(2);
    assertThat(g.members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactlyInAnyOrder("member-a-restarted", "member-b");
    ConsumerGroupHeartbeatResponseData other = b.heartbeat();
    assertThat(other.memberEpoch()).isEqualTo(2);
    assertThat(other.assignment()).isNull();
    assertThat(b.owned).isEqualTo(bOwned);
    assertThat(stateOf(GROUP)).isEqualTo("Stable");
    // The old incarnation is gone: fenced under its instance id, unknown without one.
    ConsumerGroupHeartbeatResponseData old =
        call(beat(a.id, 2, aOwned).setInstanceId("instance-a"));
    assertThat(error(old)).isEqualTo(Errors.FENCED_INSTANCE_ID);
    assertThat(old.errorMessage())
        .isEqualTo(
            "Static member member-a with instance id instance-a was fenced by member"
                + " member-a-restarted.");
    assertThat(error(call(beat(a.id, 2, aOwned)))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void heartbeatWithAnUnknownInstanceIdIsAnUnknownMember() {
    Member a = new Member("member-a", "instance-a");
    a.join("orders");

    ConsumerGroupHeartbeatResponseData r =
        call(beat("member-a", a.epoch, a.owned).setInstanceId("instance-z"));

    assertThat(error(r)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(r.errorMessage()).isEqualTo("Instance id instance-z is unknown.");
  }

  @Test
  void staticMemberThatDoesNotComeBackIsFencedAtItsSessionTimeout() {
    Member a = new Member("member-a", "instance-a");
    Member b = new Member("member-b");
    twoStableMembers(a, b);
    a.leave();

    h.advance(30_000);
    b.heartbeat();
    h.advance(15_001);

    assertThat(describe(GROUP).members()).hasSize(1);
    ConsumerGroupHeartbeatResponseData r = b.heartbeat();
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
  }

  @Test
  void instanceIdHeldByAnActiveMemberIsUnreleased() {
    Member a = new Member("member-a", "instance-a");
    a.join("orders");

    ConsumerGroupHeartbeatResponseData r = new Member("member-c", "instance-a").join("orders");

    assertThat(error(r)).isEqualTo(Errors.UNRELEASED_INSTANCE_ID);
    assertThat(r.errorMessage())
        .isEqualTo(
            "Static member member-c with instance id instance-a cannot join the group because the"
                + " instance id is owned by member-a member.");
    assertThat(describe(GROUP).members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactly("member-a");
    assertThat(error(a.heartbeat())).isEqualTo(Errors.NONE);
  }

  @Test
  void staticLeaveFromAnotherMemberIdIsFencedInstance() {
    Member a = new Member("member-a", "instance-a");
    a.join("orders");

    ConsumerGroupHeartbeatResponseData r = new Member("member-x", "instance-a").leave();

    assertThat(error(r)).isEqualTo(Errors.FENCED_INSTANCE_ID);
    assertThat(describe(GROUP).members()).hasSize(1);
  }

  // ------------------------------------------------------------------ topics that change

  @Test
  void topicCreatedAfterTheGroupFormedIsAssignedAtTheNextHeartbeat() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.join("orders", "payments");
    b.join("orders", "payments");
    a.heartbeat();
    a.heartbeat();
    b.heartbeat();
    assertThat(describe(GROUP).groupEpoch()).isEqualTo(2);

    h.topics.put("payments", new TopicCatalog.Topic(PAYMENTS, 2));
    ConsumerGroupHeartbeatResponseData r = a.heartbeat();
    b.heartbeat();

    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(describe(GROUP).groupEpoch()).isEqualTo(3);
    assertThat(a.owned.intersects(b.owned)).isFalse();
    assertThat(a.owned.plus(b.owned))
        .isEqualTo(
            Assignment.of(Map.of(ORDERS, List.of(0, 1, 2, 3, 4, 5), PAYMENTS, List.of(0, 1))));
    assertThat(a.owned.size()).isEqualTo(4);
    assertThat(b.owned.size()).isEqualTo(4);
    assertThat(stateOf(GROUP)).isEqualTo("Stable");
  }

  @Test
  void grownTopicBumpsTheGroupEpochAndItsNewPartitionsAreAssigned() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    twoStableMembers(a, b);
    Assignment aBefore = a.owned;
    Assignment bBefore = b.owned;

    h.topics.put("orders", new TopicCatalog.Topic(ORDERS, 8));
    ConsumerGroupHeartbeatResponseData r = b.heartbeat();
    a.heartbeat();
    b.heartbeat();

    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(describe(GROUP).groupEpoch()).isEqualTo(3);
    assertThat(a.owned.containsAll(aBefore)).isTrue();
    assertThat(b.owned.containsAll(bBefore)).isTrue();
    assertThat(a.owned.plus(b.owned)).isEqualTo(orders(0, 1, 2, 3, 4, 5, 6, 7));
    assertThat(a.owned.intersects(b.owned)).isFalse();
    assertThat(a.owned.size()).isEqualTo(4);
  }

  @Test
  void memberSubscribedToATopicThatDoesNotExistYetJoinsWithNothing() {
    Member a = new Member("member-a");

    ConsumerGroupHeartbeatResponseData r = a.join("payments");

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberEpoch()).isEqualTo(1);
    assertThat(assigned(r)).isEqualTo(Assignment.EMPTY);

    h.topics.put("payments", new TopicCatalog.Topic(PAYMENTS, 3));
    ConsumerGroupHeartbeatResponseData later = a.heartbeat();
    assertThat(later.memberEpoch()).isEqualTo(2);
    assertThat(assigned(later)).isEqualTo(Assignment.of(Map.of(PAYMENTS, List.of(0, 1, 2))));
  }

  @Test
  void unsubscribingFromATopicRevokesItsPartitionsBeforeTheEpochMoves() {
    h.topics.put("payments", new TopicCatalog.Topic(PAYMENTS, 2));
    Member a = new Member("member-a");
    a.join("orders", "payments");
    assertThat(a.owned.size()).isEqualTo(8);

    ConsumerGroupHeartbeatResponseData revoke =
        a.send(beat(a.id, 1, a.owned).setSubscribedTopicNames(List.of("orders")));

    assertThat(revoke.memberEpoch()).isEqualTo(1);
    assertThat(assigned(revoke)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(describe(GROUP).groupEpoch()).isEqualTo(2);
    ConsumerGroupHeartbeatResponseData acked = a.heartbeat();
    assertThat(acked.memberEpoch()).isEqualTo(2);
    assertThat(stateOf(GROUP)).isEqualTo("Stable");
  }

  @Test
  void memberLeavingWhileRevokingReleasesItsPartitionsAtOnce() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.join("orders");
    b.join("orders");
    a.heartbeat(); // told to revoke

    a.leave();
    ConsumerGroupHeartbeatResponseData r = b.heartbeat();

    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(assigned(r)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
  }

  @Test
  void groupWithConsumerMembersCannotBeDeletedUntilEmpty() {
    Member a = new Member("member-a");
    a.join("orders");

    assertThat(deleteGroup()).isEqualTo(Errors.NON_EMPTY_GROUP);
    a.leave();
    assertThat(deleteGroup()).isEqualTo(Errors.NONE);

    assertThat(listGroups(List.of(), List.of())).isEmpty();
    assertThat(error(a.heartbeat())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    h.restart(); // the deletion's tombstones hold: the group does not come back
    assertThat(listGroups(List.of(), List.of())).isEmpty();
    assertThat(a.join("orders").memberEpoch()).isEqualTo(1);
  }

  Errors deleteGroup() {
    DeleteGroupsResponseData r =
        h.done(
            h.send(
                ApiKeys.DELETE_GROUPS,
                2,
                new DeleteGroupsRequestData().setGroupsNames(List.of(GROUP))));
    return Errors.forCode(r.results().find(GROUP).errorCode());
  }

  @Test
  void aRestartedCoordinatorResumesTheGroupFromItsRecords() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    b.join("orders");
    a.join("orders");
    b.heartbeat(); // told to revoke: UNREVOKED_PARTITIONS when the coordinator restarts
    assertThat(commitError(9, commit(a.id, a.epoch, 42))).isEqualTo(Errors.NONE);
    DescribedGroup before = describe(GROUP);

    h.restart();

    // Same epochs, members, assignments and targets: nobody rejoins.
    assertThat(describe(GROUP)).isEqualTo(before);
    b.heartbeat(); // acks the revocation it was asked for before the restart
    a.heartbeat(); // gets the released partitions
    assertThat(a.epoch).isEqualTo(2);
    assertThat(b.epoch).isEqualTo(2);
    assertThat(a.owned.plus(b.owned)).isEqualTo(orders(0, 1, 2, 3, 4, 5));
    assertThat(a.owned.intersects(b.owned)).isFalse();
    assertThat(stateOf(GROUP)).isEqualTo("Stable");
    assertThat(committed(fetch(a.id, a.epoch))).isEqualTo(42);
  }

  @Test
  void aRestartedCoordinatorFencesMembersThatDoNotComeBackAndKeepsTheirDeparture() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    twoStableMembers(a, b);
    b.leave();

    h.restart();

    assertThat(describe(GROUP).members()).hasSize(1);
    assertThat(error(b.heartbeat())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    h.advance(45_001); // a does not heartbeat either: its session, restarted at the load, ends
    assertThat(error(a.heartbeat())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    h.restart();
    assertThat(stateOf(GROUP)).isEqualTo("Empty");
  }

  @Test
  void aTopicGrownWhileNoCoordinatorServedTheGroupIsAssignedAfterTheRestart() {
    Member a = new Member("member-a");
    a.join("orders");
    h.restart();
    h.topics.put("orders", new TopicCatalog.Topic(ORDERS, 8));

    a.heartbeat();
    assertThat(a.epoch).isEqualTo(2);
    assertThat(a.owned).isEqualTo(orders(0, 1, 2, 3, 4, 5, 6, 7));
  }

  @Test
  void aGroupThatBecameClassicStaysClassicAfterARestart() {
    Member a = new Member("member-a");
    a.join("orders");
    a.leave();
    JoinGroupResponseData joined = h.done(h.joinNew(GROUP));
    assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
    h.done(h.sync(GROUP, joined.generationId(), joined.memberId(), Map.of()));

    h.restart();

    assertThat(describe(GROUP).errorMessage()).isEqualTo("Group shipping is not a consumer group.");
    assertThat(listGroups(List.of(), List.of()))
        .extracting(ListedGroup::groupId, ListedGroup::groupType)
        .containsExactly(tuple(GROUP, "classic"));
  }

  @Test
  void groupAtItsMaximumSizeRefusesAnotherMember() throws Exception {
    reopen(
        "small",
        new GroupConfig.ConsumerProtocol(
            45_000, 5_000, 1, List.of("uniform", "range"), "bidirectional"));
    new Member("member-a").join("orders");

    ConsumerGroupHeartbeatResponseData r = new Member("member-b").join("orders");

    assertThat(error(r)).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
    assertThat(r.errorMessage())
        .isEqualTo("The consumer group has reached its maximum capacity of 1 members.");
  }

  /** Opens a new coordinator, in a directory of its own, with these consumer group settings. */
  private void reopen(String name, GroupConfig.ConsumerProtocol consumer) throws Exception {
    h.close();
    h = new GroupHarness(Files.createDirectories(dir.resolve(name)), GroupHarness.config(consumer));
    h.topics.put("orders", new TopicCatalog.Topic(ORDERS, 6));
  }

  // ------------------------------------------------------------------ offsets with member epochs

  @Test
  void offsetCommitIsCheckedAgainstTheMemberAndItsEpoch() {
    Member a = new Member("member-a");
    a.join("orders");

    assertThat(commitError(9, commit(a.id, 1, 42))).isEqualTo(Errors.NONE);
    assertThat(commitError(9, commit(a.id, 2, 43))).isEqualTo(Errors.STALE_MEMBER_EPOCH);
    assertThat(commitError(9, commit(a.id, 0, 43))).isEqualTo(Errors.STALE_MEMBER_EPOCH);
    assertThat(commitError(9, commit("ghost", 1, 43))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(commitError(8, commit(a.id, 1, 43))).isEqualTo(Errors.UNSUPPORTED_VERSION);
    // A commit without a member (as the admin client's) only while the group has no members.
    assertThat(commitError(9, commit("", -1, 43))).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

    assertThat(committed(fetch(null, -1))).isEqualTo(42);
  }

  @Test
  void offsetFetchIsCheckedAgainstTheMemberAndItsEpoch() {
    Member a = new Member("member-a");
    a.join("orders");
    assertThat(commitError(9, commit(a.id, 1, 42))).isEqualTo(Errors.NONE);

    OffsetFetchResponseGroup stale = fetch(a.id, 0);
    assertThat(Errors.forCode(stale.errorCode())).isEqualTo(Errors.STALE_MEMBER_EPOCH);
    OffsetFetchResponseGroup unknown = fetch("ghost", 1);
    assertThat(Errors.forCode(unknown.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    OffsetFetchResponseGroup current = fetch(a.id, 1);
    assertThat(Errors.forCode(current.errorCode())).isEqualTo(Errors.NONE);
    assertThat(committed(current)).isEqualTo(42);
    OffsetFetchResponseGroup admin = fetch(null, -1);
    assertThat(Errors.forCode(admin.errorCode())).isEqualTo(Errors.NONE);
    assertThat(committed(admin)).isEqualTo(42);
  }

  @Test
  void commitsWithoutAMemberAreAcceptedOnceTheGroupIsEmpty() {
    Member a = new Member("member-a");
    a.join("orders");
    a.leave();

    assertThat(commitError(9, commit("", -1, 7))).isEqualTo(Errors.NONE);
    assertThat(committed(fetch(null, -1))).isEqualTo(7);
  }

  // ------------------------------------------------------------------ describe and list

  @Test
  void describeGroupsTellsAConsumerGroupIsNotClassic() {
    new Member("member-a").join("orders");

    DescribeGroupsResponseData r =
        h.call(
            ApiKeys.DESCRIBE_GROUPS, 6, new DescribeGroupsRequestData().setGroups(List.of(GROUP)));

    DescribeGroupsResponseData.DescribedGroup g = r.groups().get(0);
    assertThat(Errors.forCode(g.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(g.errorMessage()).isEqualTo("Group shipping is not a classic group.");
  }

  @Test
  void consumerGroupDescribeTellsAClassicOrUnknownGroupApart() {
    JoinGroupResponseData join = h.done(h.joinNew("classic-group"));
    assertThat(Errors.forCode(join.errorCode())).isEqualTo(Errors.NONE);

    DescribedGroup classic = describe("classic-group");
    assertThat(Errors.forCode(classic.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(classic.errorMessage()).isEqualTo("Group classic-group is not a consumer group.");

    DescribedGroup unknown = describe("nobody");
    assertThat(Errors.forCode(unknown.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(unknown.errorMessage()).isEqualTo("Group nobody not found.");
  }

  @Test
  void consumerGroupDescribeShowsEpochsAssignorAndEachMembersAssignmentAndTarget() {
    Member a = new Member("member-a");
    Member b = new Member("member-b");
    a.join("orders");
    b.join("orders");
    a.heartbeat(); // a revokes: the group is mid-rebalance

    DescribedGroup g = describe(GROUP);

    assertThat(Errors.forCode(g.errorCode())).isEqualTo(Errors.NONE);
    assertThat(g.groupId()).isEqualTo(GROUP);
    assertThat(g.groupState()).isEqualTo("Reconciling");
    assertThat(g.groupEpoch()).isEqualTo(2);
    assertThat(g.assignmentEpoch()).isEqualTo(2);
    assertThat(g.assignorName()).isEqualTo("uniform");
    assertThat(g.members()).hasSize(2);
    ConsumerGroupDescribeResponseData.Member da = member(g, "member-a");
    ConsumerGroupDescribeResponseData.Member db = member(g, "member-b");
    assertThat(da.memberEpoch()).isEqualTo(1);
    assertThat(db.memberEpoch()).isEqualTo(2);
    assertThat(da.clientId()).isEqualTo("client");
    assertThat(da.clientHost()).contains("127.0.0.1");
    assertThat(da.subscribedTopicNames()).containsExactly("orders");
    assertThat(da.memberType()).isEqualTo((byte) 1);
    assertThat(described(da.assignment())).isEqualTo(a.owned);
    assertThat(described(da.targetAssignment())).isEqualTo(a.owned);
    assertThat(described(db.assignment())).isEqualTo(Assignment.EMPTY);
    assertThat(described(db.targetAssignment())).isEqualTo(orders(0, 1, 2, 3, 4, 5).minus(a.owned));
    assertThat(da.assignment().topicPartitions())
        .allSatisfy(t -> assertThat(t.topicName()).isEqualTo("orders"));
    assertThat(db.targetAssignment().topicPartitions())
        .allSatisfy(t -> assertThat(t.topicName()).isEqualTo("orders"));
  }

  static ConsumerGroupDescribeResponseData.Member member(DescribedGroup g, String id) {
    return g.members().stream().filter(m -> m.memberId().equals(id)).findFirst().orElseThrow();
  }

  static Assignment described(ConsumerGroupDescribeResponseData.Assignment a) {
    Map<Uuid, List<Integer>> partitions = new TreeMap<>();
    a.topicPartitions().forEach(t -> partitions.put(t.topicId(), List.copyOf(t.partitions())));
    return Assignment.of(partitions);
  }

  @Test
  void listGroupsShowsConsumerGroupsWithTheirTypeAndStateAndFiltersByType() {
    JoinGroupResponseData classic = h.done(h.joinNew("classic-group"));
    assertThat(Errors.forCode(classic.errorCode())).isEqualTo(Errors.NONE);
    Member a = new Member("member-a");
    a.join("orders");

    List<ListedGroup> all = listGroups(List.of(), List.of());
    assertThat(all)
        .extracting(ListedGroup::groupId, ListedGroup::groupType, ListedGroup::protocolType)
        .containsExactlyInAnyOrder(
            tuple("classic-group", "classic", "consumer"), tuple(GROUP, "consumer", "consumer"));
    assertThat(stateOf(GROUP)).isEqualTo("Stable");

    assertThat(listGroups(List.of(), List.of("consumer")))
        .extracting(ListedGroup::groupId)
        .containsExactly(GROUP);
    assertThat(listGroups(List.of(), List.of("Consumer")))
        .extracting(ListedGroup::groupId)
        .containsExactly(GROUP);
    assertThat(listGroups(List.of(), List.of("classic")))
        .extracting(ListedGroup::groupId)
        .containsExactly("classic-group");
    assertThat(listGroups(List.of("stable"), List.of("consumer")))
        .extracting(ListedGroup::groupId)
        .containsExactly(GROUP);
    assertThat(listGroups(List.of("empty"), List.of("consumer"))).isEmpty();

    Member b = new Member("member-b");
    b.join("orders");
    assertThat(stateOf(GROUP)).isEqualTo("Reconciling");
    assertThat(listGroups(List.of("reconciling"), List.of()))
        .extracting(ListedGroup::groupId)
        .containsExactly(GROUP);
    a.leave();
    assertThat(stateOf(GROUP)).isEqualTo("Assigning");
    b.heartbeat();
    assertThat(stateOf(GROUP)).isEqualTo("Stable");
    b.leave();
    assertThat(stateOf(GROUP)).isEqualTo("Empty");
  }

  // ------------------------------------------------------------------ one protocol or the other

  @Test
  void classicJoinOfAnotherProtocolTypeToAConsumerGroupWithMembersIsInconsistent() {
    new Member("member-a").join("orders");

    JoinGroupResponseData r =
        h.call(
            ApiKeys.JOIN_GROUP, 9, joinData(GROUP, "", null, "range").setProtocolType("connect"));

    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    assertThat(describe(GROUP).members()).hasSize(1);
  }

  @Test
  void classicJoinToAnEmptyConsumerGroupMakesItClassicAndKeepsItsOffsets() {
    Member a = new Member("member-a");
    a.join("orders");
    assertThat(commitError(9, commit(a.id, 1, 42))).isEqualTo(Errors.NONE);
    a.leave();

    JoinGroupResponseData joined = h.done(h.joinNew(GROUP));

    assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
    assertThat(joined.generationId()).isEqualTo(1);
    SyncGroupResponseData sync =
        h.done(h.sync(GROUP, joined.generationId(), joined.memberId(), Map.of()));
    assertThat(Errors.forCode(sync.errorCode())).isEqualTo(Errors.NONE);
    assertThat(listGroups(List.of(), List.of()))
        .extracting(ListedGroup::groupId, ListedGroup::groupType, ListedGroup::groupState)
        .containsExactly(tuple(GROUP, "classic", "Stable"));
    assertThat(committed(fetch(null, -1))).isEqualTo(42);
    DescribedGroup asConsumer = describe(GROUP);
    assertThat(asConsumer.errorMessage()).isEqualTo("Group shipping is not a consumer group.");
  }

  @Test
  void consumerHeartbeatToAnEmptyClassicGroupWithOffsetsMakesItAConsumerGroup() {
    assertThat(commitError(9, commit("", -1, 42))).isEqualTo(Errors.NONE);
    assertThat(listGroups(List.of(), List.of()))
        .extracting(ListedGroup::groupType)
        .containsExactly("classic");

    Member a = new Member("member-a");
    ConsumerGroupHeartbeatResponseData r = a.join("orders");

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberEpoch()).isEqualTo(1);
    assertThat(listGroups(List.of(), List.of()))
        .extracting(ListedGroup::groupType, ListedGroup::groupState)
        .containsExactly(tuple("consumer", "Stable"));
    assertThat(committed(fetch(a.id, 1))).isEqualTo(42);
  }

  @Test
  void consumerHeartbeatToAClassicGroupWithMembersIsRefusedWhenUpgradesAreDisabled()
      throws Exception {
    reopen(
        "no-upgrade",
        new GroupConfig.ConsumerProtocol(
            45_000, 5_000, 100, List.of("uniform", "range"), "downgrade"));
    JoinGroupResponseData join = h.done(h.joinNew(GROUP));
    h.done(h.sync(GROUP, join.generationId(), join.memberId(), Map.of()));

    ConsumerGroupHeartbeatResponseData r = new Member("member-a").join("orders");

    assertThat(error(r)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(r.errorMessage())
        .isEqualTo(
            "Cannot upgrade classic group shipping to consumer group because online upgrade is"
                + " disabled.");
    assertThat(h.heartbeat(GROUP, join.generationId(), join.memberId())).isEqualTo(Errors.NONE);
  }

  // ------------------------------------------------------------------ found in review

  @Test
  void staticMemberBackAfterItsTargetShrankGetsTheAssignmentEpochNotZero() {
    Member a = new Member("a-1", "instance-a");
    Member b = new Member("b");
    twoStableMembers(a, b);
    a.leave(); // for now (-2): its partitions wait for it
    Member c = new Member("c");
    c.join("orders"); // the group epoch moves on; a's target shrinks to two partitions

    Member back = new Member("a-2", "instance-a");
    ConsumerGroupHeartbeatResponseData r = back.join("orders");

    assertThat(error(r)).isEqualTo(Errors.NONE);
    // A joining member owns nothing, so nothing is left to revoke: it moves to the target.
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(back.owned.size()).isEqualTo(2);
    assertThat(error(back.heartbeat())).isEqualTo(Errors.NONE);
    assertThat(back.epoch).isEqualTo(3);
  }

  @Test
  void sameStaticMemberRejoiningAfterLeavingForNowIsNotAnsweredWithEpochMinusTwo() {
    Member a = new Member("a", "instance-a");
    Member b = new Member("b");
    twoStableMembers(a, b);
    a.leave();
    new Member("c").join("orders");

    ConsumerGroupHeartbeatResponseData r = a.join("orders");

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberEpoch()).isEqualTo(3);
  }

  @Test
  void offsetsOfATopicAnEmptyConsumerGroupNoLongerReadsCanBeDeleted() {
    Member a = new Member("a");
    a.join("orders");
    assertThat(commitError(9, commit("a", a.epoch, 5))).isEqualTo(Errors.NONE);
    a.leave();

    org.apache.kafka.common.message.OffsetDeleteResponseData r =
        h.call(
            ApiKeys.OFFSET_DELETE,
            0,
            new org.apache.kafka.common.message.OffsetDeleteRequestData()
                .setGroupId(GROUP)
                .setTopics(
                    new org.apache.kafka.common.message.OffsetDeleteRequestData
                        .OffsetDeleteRequestTopicCollection(
                        List.of(
                                new org.apache.kafka.common.message.OffsetDeleteRequestData
                                        .OffsetDeleteRequestTopic()
                                    .setName("orders")
                                    .setPartitions(
                                        List.of(
                                            new org.apache.kafka.common.message
                                                    .OffsetDeleteRequestData
                                                    .OffsetDeleteRequestPartition()
                                                .setPartitionIndex(0))))
                            .iterator())));

    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    assertThat(r.topics().iterator().next().partitions().iterator().next().errorCode())
        .isEqualTo(Errors.NONE.code());
  }

  @Test
  void transactionalCommitWithOnlyAGroupIdIsAcceptedWhileTheGroupHasMembers() {
    new Member("a").join("orders");
    org.apache.kafka.common.message.TxnOffsetCommitResponseData r =
        h.call(
            ApiKeys.TXN_OFFSET_COMMIT,
            3,
            new org.apache.kafka.common.message.TxnOffsetCommitRequestData()
                .setTransactionalId("tx")
                .setGroupId(GROUP)
                .setProducerId(7)
                .setProducerEpoch((short) 0)
                .setGenerationId(-1)
                .setMemberId("")
                .setTopics(
                    List.of(
                        new org.apache.kafka.common.message.TxnOffsetCommitRequestData
                                .TxnOffsetCommitRequestTopic()
                            .setName("orders")
                            .setPartitions(
                                List.of(
                                    new org.apache.kafka.common.message.TxnOffsetCommitRequestData
                                            .TxnOffsetCommitRequestPartition()
                                        .setPartitionIndex(0)
                                        .setCommittedOffset(3))))));

    assertThat(r.topics().get(0).partitions().get(0).errorCode()).isEqualTo(Errors.NONE.code());
  }
}
