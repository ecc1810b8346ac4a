package dev.eventshop.broker.group;

import static dev.eventshop.broker.group.ConsumerRebalanceTest.ORDERS;
import static dev.eventshop.broker.group.ConsumerRebalanceTest.assigned;
import static dev.eventshop.broker.group.ConsumerRebalanceTest.beat;
import static dev.eventshop.broker.group.ConsumerRebalanceTest.described;
import static dev.eventshop.broker.group.ConsumerRebalanceTest.joining;
import static dev.eventshop.broker.group.ConsumerRebalanceTest.member;
import static dev.eventshop.broker.group.ConsumerRebalanceTest.orders;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor;
import org.apache.kafka.clients.consumer.ConsumerPartitionAssignor.Subscription;
import org.apache.kafka.clients.consumer.internals.ConsumerProtocol;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocol;
import org.apache.kafka.common.message.JoinGroupRequestData.JoinGroupRequestProtocolCollection;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity;
import org.apache.kafka.common.message.LeaveGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.ListGroupsResponseData.ListedGroup;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Online migration between the classic protocol and the consumer group protocol (KIP-848), as Kafka
 * 4.x's group coordinator does it: a ConsumerGroupHeartbeat turns a classic group with members into
 * a consumer group (upgrade); classic members (JoinGroup, SyncGroup, Heartbeat, LeaveGroup) live in
 * a consumer group, where the generation they see is their member epoch; and when the last
 * consumer-protocol member leaves, the group becomes classic again (downgrade). Kafka's default
 * {@code group.consumer.migration.policy} (bidirectional) allows both directions.
 */
@Timeout(10)
class GroupMigrationTest {

  static final String GROUP = ConsumerRebalanceTest.GROUP;
  static final Assignment ALL = orders(0, 1, 2, 3, 4, 5);

  @TempDir Path dir;
  GroupHarness h;

  /** Writes to __consumer_offsets pass unless a test holds or refuses them. */
  ControlledAppends appends;

  @BeforeEach
  void open() {
    h = ControlledAppends.harness(dir, a -> appends = a);
    h.topics.put("orders", new TopicCatalog.Topic(ORDERS, 6));
  }

  @AfterEach
  void close() {
    h.close();
  }

  // ------------------------------------------------------------------ members, as a test sees them

  /**
   * A classic consumer (protocol type "consumer", one protocol "range"): its member id, the
   * generation its last JoinGroup gave, and the partitions its last SyncGroup assigned. When it
   * rejoins it reports what it owns in its subscription's ownedPartitions, as a cooperative
   * consumer does; {@link #owned} is what it reports.
   */
  final class Classic {
    final String id;
    final int sessionTimeoutMs;
    int generation;
    Assignment owned;

    Classic(String id, int generation, Assignment owned) {
      this(id, 10_000, generation, owned);
    }

    Classic(String id, int sessionTimeoutMs, int generation, Assignment owned) {
      this.id = id;
      this.sessionTimeoutMs = sessionTimeoutMs;
      this.generation = generation;
      this.owned = owned;
    }

    /** JoinGroup v9 with its member id; must be answered at once. */
    JoinGroupResponseData rejoin() {
      JoinGroupResponseData r = h.done(h.join(9, classicJoin(id, owned, sessionTimeoutMs)));
      if (Errors.forCode(r.errorCode()) == Errors.NONE) {
        generation = r.generationId();
      }
      return r;
    }

    /** SyncGroup as a follower (no assignments); must be answered at once. */
    SyncGroupResponseData sync() {
      SyncGroupResponseData r = h.done(h.sync(GROUP, generation, id, Map.of()));
      if (Errors.forCode(r.errorCode()) == Errors.NONE) {
        owned = fromConsumerProtocol(r.assignment());
      }
      return r;
    }

    Errors heartbeat() {
      return h.heartbeat(GROUP, generation, id);
    }
  }

  /** A consumer of the consumer group protocol: ConsumerGroupHeartbeat with its own member id. */
  final class Consumer {
    final String id;
    int epoch;
    Assignment owned = Assignment.EMPTY;

    Consumer(String id) {
      this.id = id;
    }

    ConsumerGroupHeartbeatResponseData join() {
      return send(joining(id, null, "orders"));
    }

    ConsumerGroupHeartbeatResponseData heartbeat() {
      return send(beat(id, epoch, owned));
    }

    ConsumerGroupHeartbeatResponseData leave() {
      return heartbeatCall(
          new ConsumerGroupHeartbeatRequestData()
              .setGroupId(GROUP)
              .setMemberId(id)
              .setMemberEpoch(-1));
    }

    ConsumerGroupHeartbeatResponseData send(ConsumerGroupHeartbeatRequestData data) {
      ConsumerGroupHeartbeatResponseData r = heartbeatCall(data);
      if (Errors.forCode(r.errorCode()) == Errors.NONE) {
        epoch = r.memberEpoch();
        if (r.assignment() != null) {
          owned = assigned(r);
        }
      }
      return r;
    }
  }

  ConsumerGroupHeartbeatResponseData heartbeatCall(ConsumerGroupHeartbeatRequestData data) {
    return h.call(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 1, data);
  }

  /**
   * A classic JoinGroup as the Java consumer sends it: protocol type "consumer", one protocol
   * "range" whose metadata is a ConsumerProtocol subscription to orders with the partitions the
   * member owns.
   */
  static JoinGroupRequestData classicJoin(String memberId, Assignment owned, int sessionTimeoutMs) {
    JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
    protocols.add(new JoinGroupRequestProtocol().setName("range").setMetadata(subscription(owned)));
    return new JoinGroupRequestData()
        .setGroupId(GROUP)
        .setMemberId(memberId)
        .setProtocolType("consumer")
        .setSessionTimeoutMs(sessionTimeoutMs)
        .setRebalanceTimeoutMs(30_000)
        .setProtocols(protocols);
  }

  static byte[] subscription(Assignment owned) {
    return bytes(
        ConsumerProtocol.serializeSubscription(
            new Subscription(List.of("orders"), null, topicPartitions(owned))));
  }

  /** An assignment as a classic leader sends it in SyncGroup. */
  static byte[] toConsumerProtocol(Assignment a) {
    return bytes(
        ConsumerProtocol.serializeAssignment(
            new ConsumerPartitionAssignor.Assignment(topicPartitions(a))));
  }

  /** The orders partitions of a ConsumerProtocol assignment, as a consumer reads its SyncGroup. */
  static Assignment fromConsumerProtocol(byte[] assignment) {
    List<Integer> partitions = new ArrayList<>();
    for (TopicPartition tp :
        ConsumerProtocol.deserializeAssignment(ByteBuffer.wrap(assignment)).partitions()) {
      assertThat(tp.topic()).isEqualTo("orders");
      partitions.add(tp.partition());
    }
    return Assignment.of(Map.of(ORDERS, partitions));
  }

  static List<TopicPartition> topicPartitions(Assignment a) {
    List<TopicPartition> result = new ArrayList<>();
    a.partitions()
        .getOrDefault(ORDERS, new java.util.TreeSet<>())
        .forEach(p -> result.add(new TopicPartition("orders", p)));
    return result;
  }

  static byte[] bytes(ByteBuffer b) {
    byte[] bytes = new byte[b.remaining()];
    b.get(bytes);
    return bytes;
  }

  static Errors error(JoinGroupResponseData r) {
    return Errors.forCode(r.errorCode());
  }

  static Errors error(SyncGroupResponseData r) {
    return Errors.forCode(r.errorCode());
  }

  static Errors error(ConsumerGroupHeartbeatResponseData r) {
    return Errors.forCode(r.errorCode());
  }

  /**
   * Two classic consumers Stable at generation 2, as the Java consumer's range assignor leaves
   * them: the leader holds orders 0-2, the other orders 3-5.
   */
  Classic[] twoStableClassicMembers() {
    Classic a = stableClassicMember();
    CompletableFuture<JoinGroupResponseData> bJoin = secondPhaseJoin();
    JoinGroupResponseData aRejoin = h.done(h.join(9, classicJoin(a.id, ALL, 10_000)));
    JoinGroupResponseData bJoined = h.done(bJoin);
    assertThat(aRejoin.generationId()).isEqualTo(2).isEqualTo(bJoined.generationId());
    assertThat(aRejoin.leader()).isEqualTo(a.id);

    CompletableFuture<SyncGroupResponseData> bSync = h.sync(GROUP, 2, bJoined.memberId(), Map.of());
    SyncGroupResponseData aSync =
        h.done(
            h.sync(
                GROUP,
                2,
                a.id,
                Map.of(
                    a.id,
                    toConsumerProtocol(orders(0, 1, 2)),
                    bJoined.memberId(),
                    toConsumerProtocol(orders(3, 4, 5)))));
    assertThat(fromConsumerProtocol(aSync.assignment())).isEqualTo(orders(0, 1, 2));
    assertThat(fromConsumerProtocol(h.done(bSync).assignment())).isEqualTo(orders(3, 4, 5));
    Classic b = new Classic(bJoined.memberId(), 2, orders(3, 4, 5));
    a.generation = 2;
    a.owned = orders(0, 1, 2);
    assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
    assertThat(b.heartbeat()).isEqualTo(Errors.NONE);
    return new Classic[] {a, b};
  }

  /** One classic consumer, leader of generation 1, that assigned itself every partition. */
  Classic stableClassicMember() {
    JoinGroupResponseData joined = h.done(secondPhaseJoin());
    assertThat(error(joined)).isEqualTo(Errors.NONE);
    assertThat(joined.generationId()).isEqualTo(1);
    SyncGroupResponseData sync =
        h.done(
            h.sync(
                GROUP, 1, joined.memberId(), Map.of(joined.memberId(), toConsumerProtocol(ALL))));
    assertThat(error(sync)).isEqualTo(Errors.NONE);
    return new Classic(joined.memberId(), 1, ALL);
  }

  /** A new dynamic member's JoinGroup v9: MEMBER_ID_REQUIRED, then the join with that id. */
  CompletableFuture<JoinGroupResponseData> secondPhaseJoin() {
    JoinGroupResponseData first = h.done(h.join(9, classicJoin("", Assignment.EMPTY, 10_000)));
    assertThat(error(first)).isEqualTo(Errors.MEMBER_ID_REQUIRED);
    return h.join(9, classicJoin(first.memberId(), Assignment.EMPTY, 10_000));
  }

  /**
   * A classic consumer joining a consumer group: MEMBER_ID_REQUIRED with a member id the
   * coordinator chose, then, with that id, an answer at once with its member epoch as generation.
   */
  Classic classicJoinsTheConsumerGroup(int sessionTimeoutMs) {
    JoinGroupResponseData first =
        h.done(h.join(9, classicJoin("", Assignment.EMPTY, sessionTimeoutMs)));
    assertThat(error(first)).isEqualTo(Errors.MEMBER_ID_REQUIRED);
    assertThat(first.memberId()).isNotEmpty();
    Classic x = new Classic(first.memberId(), sessionTimeoutMs, 0, Assignment.EMPTY);
    JoinGroupResponseData joined = x.rejoin();
    assertThat(error(joined)).isEqualTo(Errors.NONE);
    assertThat(joined.memberId()).isEqualTo(x.id);
    return x;
  }

  /**
   * A consumer group with one consumer-protocol member and one classic member, settled at epoch 2:
   * each holds three partitions and nothing is in flight.
   */
  Mixed settledMixedGroup(int classicSessionTimeoutMs) {
    Consumer m = new Consumer("member-m");
    m.join();
    Classic x = classicJoinsTheConsumerGroup(classicSessionTimeoutMs);
    assertThat(error(x.sync())).isEqualTo(Errors.NONE);
    m.heartbeat(); // told to revoke
    m.heartbeat(); // acks: its revoked partitions are free
    assertThat(x.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    x.rejoin();
    x.sync();
    assertThat(x.heartbeat()).isEqualTo(Errors.NONE);
    assertThat(m.epoch).isEqualTo(2);
    assertThat(x.generation).isEqualTo(2);
    assertThat(x.owned.size()).isEqualTo(3);
    assertThat(m.owned.plus(x.owned)).isEqualTo(ALL);
    return new Mixed(m, x);
  }

  /** A consumer-protocol member and a classic member of one consumer group. */
  record Mixed(Consumer m, Classic x) {}

  DescribedGroup describe() {
    ConsumerGroupDescribeResponseData r =
        h.call(
            ApiKeys.CONSUMER_GROUP_DESCRIBE,
            1,
            new ConsumerGroupDescribeRequestData().setGroupIds(List.of(GROUP)));
    return r.groups().get(0);
  }

  DescribeGroupsResponseData.DescribedGroup describeClassic() {
    DescribeGroupsResponseData r =
        h.call(
            ApiKeys.DESCRIBE_GROUPS, 5, new DescribeGroupsRequestData().setGroups(List.of(GROUP)));
    return r.groups().get(0);
  }

  ListedGroup listed() {
    ListGroupsResponseData r =
        h.call(
            ApiKeys.LIST_GROUPS,
            5,
            new ListGroupsRequestData().setStatesFilter(List.of()).setTypesFilter(List.of()));
    return r.groups().stream()
        .filter(g -> g.groupId().equals(GROUP))
        .findFirst()
        .orElseThrow(() -> new AssertionError(GROUP + " is not listed"));
  }

  LeaveGroupResponseData leave(String... memberIds) {
    List<MemberIdentity> members = new ArrayList<>();
    for (String id : memberIds) {
      members.add(new MemberIdentity().setMemberId(id));
    }
    return h.call(
        ApiKeys.LEAVE_GROUP, 5, new LeaveGroupRequestData().setGroupId(GROUP).setMembers(members));
  }

  Errors commit(int version, String memberId, int generation) {
    OffsetCommitResponseData r =
        h.call(
            ApiKeys.OFFSET_COMMIT,
            version,
            new OffsetCommitRequestData()
                .setGroupId(GROUP)
                .setMemberId(memberId)
                .setGenerationIdOrMemberEpoch(generation)
                .setTopics(
                    List.of(
                        new OffsetCommitRequestTopic()
                            .setName("orders")
                            .setPartitions(
                                List.of(
                                    new OffsetCommitRequestPartition()
                                        .setPartitionIndex(0)
                                        .setCommittedOffset(42))))));
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  void useConsumerGroupMaxSize(int consumerGroupMaxSize) throws Exception {
    GroupConfig config =
        GroupHarness.config(
            new GroupConfig.ConsumerProtocol(
                45_000, 5_000, consumerGroupMaxSize, List.of("uniform", "range"), "bidirectional"));
    h.close();
    h =
        new GroupHarness(
            Files.createDirectories(dir.resolve("max-" + consumerGroupMaxSize)), config);
    h.topics.put("orders", new TopicCatalog.Topic(ORDERS, 6));
  }

  /** The group as described, its members in member id order (Kafka gives them in none). */
  static DescribedGroup sortedMembers(DescribedGroup g) {
    DescribedGroup copy = g.duplicate();
    copy.members()
        .sort(java.util.Comparator.comparing(ConsumerGroupDescribeResponseData.Member::memberId));
    return copy;
  }

  // ------------------------------------------------------------------ upgrade

  @Test
  void consumerMemberJoiningAClassicGroupMakesItAConsumerGroupAndGetsOnlyFreePartitions() {
    Classic[] ab = twoStableClassicMembers();
    Classic a = ab[0];
    Classic b = ab[1];

    Consumer c = new Consumer("member-c");
    ConsumerGroupHeartbeatResponseData r = c.join();

    // The classic group becomes a consumer group at epoch = generation 2; c's arrival moves it to
    // 3. Every partition of c's target is still held by a classic member: c gets none yet.
    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.errorMessage()).isNull();
    assertThat(r.memberId()).isEqualTo("member-c");
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(assigned(r)).isEqualTo(Assignment.EMPTY);

    DescribedGroup g = describe();
    assertThat(Errors.forCode(g.errorCode())).isEqualTo(Errors.NONE);
    assertThat(g.groupEpoch()).isEqualTo(3);
    assertThat(g.assignmentEpoch()).isEqualTo(3);
    assertThat(g.groupState()).isEqualTo("Reconciling");
    assertThat(g.members())
        .extracting(
            ConsumerGroupDescribeResponseData.Member::memberId,
            ConsumerGroupDescribeResponseData.Member::memberType,
            ConsumerGroupDescribeResponseData.Member::memberEpoch)
        .containsExactlyInAnyOrder(
            tuple(a.id, (byte) 0, 2), tuple(b.id, (byte) 0, 2), tuple("member-c", (byte) 1, 3));
    var da = member(g, a.id);
    assertThat(described(da.assignment())).isEqualTo(orders(0, 1, 2));
    assertThat(da.subscribedTopicNames()).containsExactly("orders");
    assertThat(da.clientId()).isEqualTo("client");
    assertThat(described(member(g, b.id).assignment())).isEqualTo(orders(3, 4, 5));
    var dc = member(g, "member-c");
    assertThat(described(dc.assignment())).isEqualTo(Assignment.EMPTY);
    assertThat(described(dc.targetAssignment()).size()).isEqualTo(2);
    assertThat(described(da.targetAssignment()).plus(described(member(g, b.id).targetAssignment())))
        .isEqualTo(ALL.minus(described(dc.targetAssignment())));

    assertThat(listed())
        .extracting(ListedGroup::groupType, ListedGroup::protocolType, ListedGroup::groupState)
        .containsExactly("consumer", "consumer", "Reconciling");
    DescribeGroupsResponseData.DescribedGroup classic =
        h.<DescribeGroupsResponseData>call(
                ApiKeys.DESCRIBE_GROUPS,
                6,
                new DescribeGroupsRequestData().setGroups(List.of(GROUP)))
            .groups()
            .get(0);
    assertThat(Errors.forCode(classic.errorCode())).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(classic.errorMessage()).isEqualTo("Group shipping is not a classic group.");
  }

  @Test
  void classicMembersOfAnUpgradedGroupRejoinRevokeAndHandTheirPartitionsOver() {
    Classic[] ab = twoStableClassicMembers();
    Classic a = ab[0];
    Classic b = ab[1];
    Consumer c = new Consumer("member-c");
    assertThat(error(c.join())).isEqualTo(Errors.NONE);

    // Their epoch (2) is behind the group's (3): a heartbeat tells them to rejoin.
    assertThat(a.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(b.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

    // a rejoins still owning 0-2, one of which is now c's: it must revoke it first, so it stays
    // at epoch 2, and the answer comes at once, never as leader.
    JoinGroupResponseData joined = a.rejoin();
    assertThat(error(joined)).isEqualTo(Errors.NONE);
    assertThat(joined.memberId()).isEqualTo(a.id);
    assertThat(joined.generationId()).isEqualTo(2);
    assertThat(joined.protocolType()).isEqualTo("consumer");
    assertThat(joined.protocolName()).isEqualTo("range");
    assertThat(joined.leader()).isEmpty();
    assertThat(joined.members()).isEmpty();
    assertThat(joined.skipAssignment()).isFalse();

    // SyncGroup gives its current partitions: what it keeps of 0-2.
    SyncGroupResponseData sync = a.sync();
    assertThat(error(sync)).isEqualTo(Errors.NONE);
    assertThat(sync.protocolType()).isEqualTo("consumer");
    assertThat(sync.protocolName()).isEqualTo("range");
    assertThat(a.owned.size()).isEqualTo(2);
    assertThat(orders(0, 1, 2).containsAll(a.owned)).isTrue();

    // Having dropped the third, it is told to rejoin once more and reaches epoch 3.
    assertThat(a.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    Assignment kept = a.owned;
    assertThat(a.rejoin().generationId()).isEqualTo(3);
    assertThat(error(a.sync())).isEqualTo(Errors.NONE);
    assertThat(a.owned).isEqualTo(kept);
    assertThat(a.heartbeat()).isEqualTo(Errors.NONE);

    // The same for b.
    assertThat(b.rejoin().generationId()).isEqualTo(2);
    b.sync();
    assertThat(b.owned.size()).isEqualTo(2);
    assertThat(b.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(b.rejoin().generationId()).isEqualTo(3);
    b.sync();
    assertThat(b.heartbeat()).isEqualTo(Errors.NONE);

    // Now c gets what the two released.
    ConsumerGroupHeartbeatResponseData r = c.heartbeat();
    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(c.owned).isEqualTo(ALL.minus(a.owned).minus(b.owned));
    assertThat(c.owned.size()).isEqualTo(2);
    assertThat(a.owned.intersects(b.owned)).isFalse();
    assertThat(a.owned.plus(b.owned).plus(c.owned)).isEqualTo(ALL);

    DescribedGroup g = describe();
    assertThat(g.groupState()).isEqualTo("Stable");
    assertThat(g.members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberEpoch)
        .containsOnly(3);
    assertThat(described(member(g, a.id).assignment())).isEqualTo(a.owned);
    assertThat(described(member(g, b.id).assignment())).isEqualTo(b.owned);
  }

  @Test
  void upgradeInTheMiddleOfAClassicRebalanceAnswersTheParkedJoinWithRebalanceInProgress() {
    Classic a = stableClassicMember();
    CompletableFuture<JoinGroupResponseData> bJoin = secondPhaseJoin();
    assertThat(bJoin).as("b waits for a to rejoin").isNotDone();

    ConsumerGroupHeartbeatResponseData r = new Consumer("member-c").join();

    // The group's state is not checked: it is converted at generation 1, c moves it to 2.
    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberEpoch()).isEqualTo(2);
    JoinGroupResponseData parked = h.done(bJoin);
    assertThat(error(parked)).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(parked.memberId()).isNotEmpty();
    // b had joined (it has a member id), so it is a member of the consumer group, with nothing.
    DescribedGroup g = describe();
    assertThat(g.members())
        .extracting(
            ConsumerGroupDescribeResponseData.Member::memberId,
            ConsumerGroupDescribeResponseData.Member::memberType,
            ConsumerGroupDescribeResponseData.Member::memberEpoch)
        .containsExactlyInAnyOrder(
            tuple(a.id, (byte) 0, 1),
            tuple(parked.memberId(), (byte) 0, 1),
            tuple("member-c", (byte) 1, 2));
    assertThat(described(member(g, a.id).assignment())).isEqualTo(ALL);
    assertThat(described(member(g, parked.memberId()).assignment())).isEqualTo(Assignment.EMPTY);
  }

  @Test
  void classicMembersOfAnUpgradedGroupThatStopHeartbeatingAreFencedAtTheirOwnSessionTimeout() {
    Classic[] ab = twoStableClassicMembers();
    Consumer c = new Consumer("member-c");
    assertThat(error(c.join())).isEqualTo(Errors.NONE);

    h.advance(9_999); // the classic members' JoinGroup asked for 10 s
    assertThat(describe().members()).hasSize(3);
    h.advance(2);

    DescribedGroup g = describe();
    assertThat(g.members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactly("member-c");
    assertThat(g.groupEpoch()).as("one epoch bump per fenced member").isEqualTo(5);
    ConsumerGroupHeartbeatResponseData r = c.heartbeat();
    assertThat(r.memberEpoch()).isEqualTo(5);
    assertThat(c.owned).isEqualTo(ALL);
    assertThat(ab[0].heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(listed().groupType()).isEqualTo("consumer");
  }

  @Test
  void upgradeOfAClassicGroupLargerThanAConsumerGroupMayBeIsRefused() throws Exception {
    useConsumerGroupMaxSize(1);
    Classic[] ab = twoStableClassicMembers();

    ConsumerGroupHeartbeatResponseData r = new Consumer("member-c").join();

    assertThat(error(r)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(r.errorMessage())
        .isEqualTo(
            "Cannot upgrade classic group shipping to consumer group because the group size"
                + " exceeds the consumer group maximum size.");
    assertThat(listed().groupType()).isEqualTo("classic");
    assertThat(ab[0].heartbeat()).isEqualTo(Errors.NONE);
    assertThat(ab[1].heartbeat()).isEqualTo(Errors.NONE);
  }

  @Test
  void upgradeOfAClassicGroupAlreadyAtTheConsumerGroupMaximumRefusesTheNewMember()
      throws Exception {
    useConsumerGroupMaxSize(1);
    Classic a = stableClassicMember();

    ConsumerGroupHeartbeatResponseData r = new Consumer("member-c").join();

    // One classic member is not more than the maximum (1), so the upgrade itself is allowed; the
    // converted group is then full, and nothing of the conversion is kept.
    assertThat(error(r)).isEqualTo(Errors.GROUP_MAX_SIZE_REACHED);
    assertThat(r.errorMessage())
        .isEqualTo("The consumer group has reached its maximum capacity of 1 members.");
    assertThat(listed().groupType()).isEqualTo("classic");
    assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
  }

  @Test
  void upgradeOfAClassicGroupThatDoesNotUseTheConsumerProtocolIsRefused() {
    // A Kafka Connect worker group: protocol type "connect".
    JoinGroupRequestProtocolCollection protocols = new JoinGroupRequestProtocolCollection();
    protocols.add(new JoinGroupRequestProtocol().setName("sessioned").setMetadata(new byte[] {1}));
    JoinGroupRequestData connect =
        new JoinGroupRequestData()
            .setGroupId(GROUP)
            .setMemberId("")
            .setProtocolType("connect")
            .setSessionTimeoutMs(10_000)
            .setRebalanceTimeoutMs(30_000)
            .setProtocols(protocols);
    JoinGroupResponseData first = h.done(h.join(9, connect));
    JoinGroupResponseData joined = h.done(h.join(9, connect.setMemberId(first.memberId())));
    assertThat(error(joined)).isEqualTo(Errors.NONE);
    SyncGroupResponseData sync =
        h.done(
            h.send(
                ApiKeys.SYNC_GROUP,
                5,
                new SyncGroupRequestData()
                    .setGroupId(GROUP)
                    .setGenerationId(joined.generationId())
                    .setMemberId(joined.memberId())
                    .setProtocolType("connect")
                    .setProtocolName("sessioned")));
    assertThat(error(sync)).isEqualTo(Errors.NONE);

    ConsumerGroupHeartbeatResponseData r = new Consumer("member-c").join();

    assertThat(error(r)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(r.errorMessage())
        .isEqualTo(
            "Cannot upgrade classic group shipping to consumer group because the group does not"
                + " use the consumer embedded protocol.");
    assertThat(listed())
        .extracting(ListedGroup::groupType, ListedGroup::protocolType)
        .containsExactly("classic", "connect");
    assertThat(h.heartbeat(GROUP, joined.generationId(), joined.memberId())).isEqualTo(Errors.NONE);
  }

  @Test
  void consumerHeartbeatWithAnEpochOtherThanZeroToAClassicGroupIsNotAnUpgrade() {
    Classic a = stableClassicMember();

    ConsumerGroupHeartbeatResponseData r = heartbeatCall(beat("member-c", 1, Assignment.EMPTY));

    assertThat(error(r)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(r.errorMessage()).isEqualTo("Group shipping is not a consumer group.");
    assertThat(listed().groupType()).isEqualTo("classic");
    assertThat(a.heartbeat()).isEqualTo(Errors.NONE);
  }

  // ------------------------------------------------------------------ classic members, mixed

  @Test
  void classicMemberJoinsAConsumerGroupAndGetsItsPartitionsOnceTheOthersReleaseThem() {
    Consumer m = new Consumer("member-m");
    m.join();

    JoinGroupResponseData first = h.done(h.join(9, classicJoin("", Assignment.EMPTY, 10_000)));
    assertThat(error(first)).isEqualTo(Errors.MEMBER_ID_REQUIRED);
    // Kafka's coordinator names a classic member of a consumer group by a plain Uuid.
    assertThat(Uuid.fromString(first.memberId())).isNotNull();
    assertThat(describe().members()).as("nothing is remembered").hasSize(1);

    Classic x = new Classic(first.memberId(), 0, Assignment.EMPTY);
    JoinGroupResponseData joined = x.rejoin();

    // Answered at once, with its member epoch: the group moved to 2, x's target is all m's.
    assertThat(error(joined)).isEqualTo(Errors.NONE);
    assertThat(joined.memberId()).isEqualTo(x.id);
    assertThat(joined.generationId()).isEqualTo(2);
    assertThat(joined.protocolType()).isEqualTo("consumer");
    assertThat(joined.protocolName()).isEqualTo("range");
    assertThat(joined.leader()).isEmpty();
    assertThat(joined.members()).isEmpty();
    assertThat(joined.skipAssignment()).isFalse();
    SyncGroupResponseData sync = x.sync();
    assertThat(error(sync)).isEqualTo(Errors.NONE);
    assertThat(x.owned).as("an empty ConsumerProtocol assignment").isEqualTo(Assignment.EMPTY);
    assertThat(x.heartbeat()).as("m has not released anything yet").isEqualTo(Errors.NONE);

    m.heartbeat(); // told to revoke
    m.heartbeat(); // acks the revocation
    assertThat(m.epoch).isEqualTo(2);

    assertThat(x.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(x.rejoin().generationId()).isEqualTo(2);
    x.sync();
    assertThat(x.owned).isEqualTo(ALL.minus(m.owned));
    assertThat(x.owned.size()).isEqualTo(3);
    assertThat(x.heartbeat()).isEqualTo(Errors.NONE);
    DescribedGroup g = describe();
    assertThat(g.groupState()).isEqualTo("Stable");
    var dx = member(g, x.id);
    assertThat(dx.memberType()).isEqualTo((byte) 0);
    assertThat(dx.memberEpoch()).isEqualTo(2);
    assertThat(described(dx.assignment())).isEqualTo(x.owned);
    assertThat(member(g, "member-m").memberType()).isEqualTo((byte) 1);
    assertThat(listed().groupType()).isEqualTo("consumer");
  }

  @Test
  void classicHeartbeatAndSyncAreCheckedAgainstTheMemberAndItsEpoch() {
    Mixed mixed = settledMixedGroup(10_000);
    Consumer m = mixed.m();
    Classic x = mixed.x();

    assertThat(h.heartbeat(GROUP, 1, x.id)).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(h.heartbeat(GROUP, 3, x.id)).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(h.heartbeat(GROUP, 2, "ghost")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    // A consumer-protocol member does not use the classic protocol.
    assertThat(h.heartbeat(GROUP, m.epoch, m.id)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);

    assertThat(error(h.done(h.sync(GROUP, 2, "ghost", Map.of()))))
        .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(error(h.done(h.sync(GROUP, 1, x.id, Map.of()))))
        .isEqualTo(Errors.ILLEGAL_GENERATION);
    SyncGroupResponseData otherProtocol =
        h.call(
            ApiKeys.SYNC_GROUP,
            5,
            new SyncGroupRequestData()
                .setGroupId(GROUP)
                .setGenerationId(2)
                .setMemberId(x.id)
                .setProtocolType("consumer")
                .setProtocolName("roundrobin"));
    assertThat(error(otherProtocol)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);

    // None of these changed anything.
    assertThat(x.heartbeat()).isEqualTo(Errors.NONE);
    assertThat(error(m.heartbeat())).isEqualTo(Errors.NONE);
    assertThat(describe().groupEpoch()).isEqualTo(2);
  }

  @Test
  void classicJoinWithAnotherProtocolTypeOrNoCommonProtocolIsInconsistent() {
    Classic x = settledMixedGroup(10_000).x();

    JoinGroupResponseData connect =
        h.done(h.join(9, classicJoin("", Assignment.EMPTY, 10_000).setProtocolType("connect")));
    assertThat(error(connect)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);

    // x supports only "range": a newcomer must support it too.
    JoinGroupRequestProtocolCollection roundRobin = new JoinGroupRequestProtocolCollection();
    roundRobin.add(
        new JoinGroupRequestProtocol()
            .setName("roundrobin")
            .setMetadata(subscription(Assignment.EMPTY)));
    JoinGroupResponseData noCommon =
        h.done(h.join(9, classicJoin("", Assignment.EMPTY, 10_000).setProtocols(roundRobin)));
    assertThat(error(noCommon)).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);

    assertThat(describe().members()).hasSize(2);
    assertThat(x.heartbeat()).isEqualTo(Errors.NONE);
  }

  @Test
  void classicMemberCommitsOffsetsWithItsMemberEpochAsGeneration() {
    Mixed mixed = settledMixedGroup(10_000);
    Consumer m = mixed.m();
    Classic x = mixed.x();

    assertThat(commit(8, x.id, x.generation)).isEqualTo(Errors.NONE);
    assertThat(commit(7, x.id, x.generation)).isEqualTo(Errors.NONE);
    assertThat(commit(8, x.id, x.generation - 1)).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(commit(8, x.id, x.generation + 1)).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(commit(8, "ghost", x.generation)).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    // A consumer-protocol member must use v9 or above; its wrong epoch is a stale one.
    assertThat(commit(8, m.id, m.epoch)).isEqualTo(Errors.UNSUPPORTED_VERSION);
    assertThat(commit(9, m.id, m.epoch + 1)).isEqualTo(Errors.STALE_MEMBER_EPOCH);
  }

  @Test
  void classicMemberThatStopsHeartbeatingIsFencedAtItsOwnSessionTimeout() {
    Mixed mixed = settledMixedGroup(20_000);
    Consumer m = mixed.m();
    Classic x = mixed.x();

    h.advance(19_999);
    assertThat(describe().members()).hasSize(2);
    h.advance(2);

    DescribedGroup g = describe();
    assertThat(g.members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactly("member-m");
    assertThat(g.groupEpoch()).isEqualTo(3);
    assertThat(x.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    ConsumerGroupHeartbeatResponseData r = m.heartbeat();
    assertThat(r.memberEpoch()).isEqualTo(3);
    assertThat(m.owned).isEqualTo(ALL);
    assertThat(listed().groupType()).as("m is not classic: no downgrade").isEqualTo("consumer");
  }

  @Test
  void classicMemberThatKeepsHeartbeatingStaysBeyondTheConsumerSessionTimeout() {
    Mixed mixed = settledMixedGroup(20_000);
    Consumer m = mixed.m();
    Classic x = mixed.x();

    for (int i = 0; i < 10; i++) {
      h.advance(10_000);
      assertThat(x.heartbeat()).isEqualTo(Errors.NONE);
      assertThat(error(m.heartbeat())).isEqualTo(Errors.NONE);
    }

    assertThat(describe().members()).hasSize(2);
    assertThat(describe().groupEpoch()).isEqualTo(2);
  }

  @Test
  void classicMemberLeavingAConsumerGroupIsRemovedWithOneEpochBump() {
    Mixed mixed = settledMixedGroup(10_000);
    Consumer m = mixed.m();
    Classic x = mixed.x();

    LeaveGroupResponseData r = leave(x.id, "ghost");

    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    assertThat(r.members())
        .extracting(LeaveGroupResponseData.MemberResponse::memberId, m2 -> m2.errorCode())
        .containsExactly(
            tuple(x.id, Errors.NONE.code()), tuple("ghost", Errors.UNKNOWN_MEMBER_ID.code()));
    DescribedGroup g = describe();
    assertThat(g.members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactly("member-m");
    assertThat(g.groupEpoch()).isEqualTo(3);
    assertThat(x.heartbeat()).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    m.heartbeat();
    assertThat(m.epoch).isEqualTo(3);
    assertThat(m.owned).isEqualTo(ALL);
    assertThat(listed().groupType()).isEqualTo("consumer");
  }

  // ------------------------------------------------------------------ downgrade

  @Test
  void lastConsumerMemberLeavingTurnsTheGroupBackIntoAClassicGroup() {
    Mixed mixed = settledMixedGroup(10_000);
    Consumer m = mixed.m();
    Classic x = mixed.x();

    ConsumerGroupHeartbeatResponseData left = m.leave();

    assertThat(error(left)).isEqualTo(Errors.NONE);
    assertThat(left.memberId()).isEqualTo("member-m");
    assertThat(left.memberEpoch()).isEqualTo(-1);

    // A classic group at generation = the consumer group's epoch (2), rebalancing at once.
    DescribeGroupsResponseData.DescribedGroup classic = describeClassic();
    assertThat(Errors.forCode(classic.errorCode())).isEqualTo(Errors.NONE);
    assertThat(classic.groupState()).isEqualTo("PreparingRebalance");
    assertThat(classic.protocolType()).isEqualTo("consumer");
    assertThat(classic.members())
        .extracting(DescribeGroupsResponseData.DescribedGroupMember::memberId)
        .containsExactly(x.id);
    assertThat(listed())
        .extracting(ListedGroup::groupType, ListedGroup::protocolType, ListedGroup::groupState)
        .containsExactly("classic", "consumer", "PreparingRebalance");
    assertThat(describe().errorMessage()).isEqualTo("Group shipping is not a consumer group.");

    assertThat(x.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(error(h.done(h.sync(GROUP, 2, x.id, Map.of()))))
        .isEqualTo(Errors.REBALANCE_IN_PROGRESS);

    // x rejoins: the only member, so the classic rebalance completes with it as leader.
    JoinGroupResponseData joined = x.rejoin();
    assertThat(error(joined)).isEqualTo(Errors.NONE);
    assertThat(joined.generationId()).isEqualTo(3);
    assertThat(joined.leader()).isEqualTo(x.id);
    assertThat(joined.protocolName()).isEqualTo("range");
    assertThat(joined.members())
        .extracting(JoinGroupResponseMember::memberId)
        .containsExactly(x.id);
    SyncGroupResponseData sync =
        h.done(h.sync(GROUP, 3, x.id, Map.of(x.id, toConsumerProtocol(ALL))));
    assertThat(error(sync)).isEqualTo(Errors.NONE);
    assertThat(fromConsumerProtocol(sync.assignment())).isEqualTo(ALL);
    assertThat(h.heartbeat(GROUP, 3, x.id)).isEqualTo(Errors.NONE);
    assertThat(describeClassic().groupState()).isEqualTo("Stable");
    assertThat(listed())
        .extracting(ListedGroup::groupType, ListedGroup::groupState)
        .containsExactly("classic", "Stable");

    // The departed consumer member is unknown to the classic group.
    ConsumerGroupHeartbeatResponseData stale = m.heartbeat();
    assertThat(error(stale)).isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(stale.errorMessage()).isEqualTo("Group shipping is not a consumer group.");

    h.restart();
    assertThat(listed().groupType()).isEqualTo("classic");
    assertThat(h.heartbeat(GROUP, 3, x.id)).isEqualTo(Errors.NONE);
  }

  @Test
  void afterTheDowngradeTheClassicGenerationIsTheConsumerGroupsEpoch() {
    // x joins and syncs at epoch 2 with nothing yet; m's leave converts the group at epoch 2.
    Consumer m = new Consumer("member-m");
    m.join();
    Classic x = classicJoinsTheConsumerGroup(10_000);
    x.sync();

    m.leave();

    assertThat(describeClassic().groupState()).isEqualTo("PreparingRebalance");
    assertThat(h.heartbeat(GROUP, x.generation - 1, x.id)).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(x.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
  }

  // ------------------------------------------------------------------ writes that wait or fail

  @Test
  void aFailedDowngradeWriteLeavesNoGhostForALaterUpgrade() {
    Mixed mixed = settledMixedGroup(10_000);
    appends.refuse = true;
    assertThat(error(mixed.m().leave())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    appends.refuse = false;
    // Classic now (in memory; the log still holds the consumer group): x leads a new generation.
    Classic x = mixed.x();
    assertThat(x.heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    JoinGroupResponseData joined = h.done(h.join(9, classicJoin(x.id, Assignment.EMPTY, 10_000)));
    assertThat(joined.leader()).isEqualTo(x.id);
    assertThat(
            error(
                h.done(
                    h.sync(
                        GROUP,
                        joined.generationId(),
                        x.id,
                        Map.of(x.id, toConsumerProtocol(ALL))))))
        .isEqualTo(Errors.NONE);

    assertThat(error(new Consumer("member-c").join())).isEqualTo(Errors.NONE);
    h.restart();

    // The upgrade's write deleted what the failed one left: member-m does not come back.
    assertThat(describe().members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactlyInAnyOrder(x.id, "member-c");
  }

  @Test
  void aStaticRejoinStillBeingWrittenWhenTheGroupUpgradesIsToldToRejoin() {
    JoinGroupResponseData first =
        h.done(h.join(9, GroupHarness.joinData(GROUP, "", "i1", "range")));
    assertThat(error(first)).isEqualTo(Errors.NONE);
    h.done(
        h.sync(
            GROUP,
            first.generationId(),
            first.memberId(),
            Map.of(first.memberId(), toConsumerProtocol(ALL))));
    appends.hold = true;
    CompletableFuture<JoinGroupResponseData> rejoin =
        h.join(9, GroupHarness.joinData(GROUP, "", "i1", "range"));
    assertThat(rejoin).isNotDone(); // its new member id is being written

    CompletableFuture<ConsumerGroupHeartbeatResponseData> upgrade =
        h.send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 1, joining("member-c", null, "orders"));
    appends.releaseAll();
    h.advance(0); // completions run on the coordinator's timer

    assertThat(error(h.done(rejoin))).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(error(h.done(upgrade))).isEqualTo(Errors.NONE);
  }

  @Test
  void aClassicMembersLeaveIsAnsweredOnceItsRemovalIsWritten() {
    Mixed mixed = settledMixedGroup(10_000);
    new Consumer("member-n").join(); // so that x leaving does not turn the group classic
    appends.hold = true;

    CompletableFuture<LeaveGroupResponseData> left =
        h.send(
            ApiKeys.LEAVE_GROUP,
            5,
            new LeaveGroupRequestData()
                .setGroupId(GROUP)
                .setMembers(List.of(new MemberIdentity().setMemberId(mixed.x().id))));

    assertThat(left).isNotDone();
    appends.releaseAll();
    h.advance(0); // completions run on the coordinator's timer
    assertThat(h.done(left).members().get(0).errorCode()).isEqualTo(Errors.NONE.code());
  }

  @Test
  void aClassicMemberReplacingTheLastStaticConsumerMemberDowngradesWithoutARebalance() {
    Consumer m = new Consumer("member-m");
    m.send(joining("member-m", "i1", "orders"));
    Classic x = classicJoinsTheConsumerGroup(10_000);
    x.sync();

    // member-m's instance restarts as a classic consumer with the same subscription.
    JoinGroupResponseData replaced =
        h.done(h.join(9, GroupHarness.joinData(GROUP, "", "i1", "range")));

    assertThat(error(replaced)).isEqualTo(Errors.NONE);
    assertThat(listed().groupType()).isEqualTo("classic");
    assertThat(describeClassic().groupState()).isEqualTo("Stable");
  }

  // ------------------------------------------------------------------ coordinator restarts

  @Test
  void anUpgradedGroupComesBackAsTheSameConsumerGroupAfterARestart() {
    Classic[] ab = twoStableClassicMembers();
    assertThat(error(new Consumer("member-c").join())).isEqualTo(Errors.NONE);
    DescribedGroup before = describe();

    h.restart();

    assertThat(sortedMembers(describe())).isEqualTo(sortedMembers(before));
    assertThat(listed().groupType()).isEqualTo("consumer");
    // Still members of the consumer group, behind its epoch: not unknown, asked to rejoin.
    assertThat(ab[0].heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(ab[1].heartbeat()).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(ab[0].rejoin().generationId()).isEqualTo(2);
  }

  @Test
  void aClassicMemberOfAConsumerGroupCarriesOnAfterARestartWithItsOwnSessionTimeout() {
    Mixed mixed = settledMixedGroup(20_000);
    Consumer m = mixed.m();
    Classic x = mixed.x();
    DescribedGroup before = describe();

    h.restart();

    assertThat(sortedMembers(describe())).isEqualTo(sortedMembers(before));
    assertThat(x.heartbeat()).isIn(Errors.NONE, Errors.REBALANCE_IN_PROGRESS);
    assertThat(member(describe(), x.id).memberType()).isEqualTo((byte) 0);
    assertThat(error(m.heartbeat())).isEqualTo(Errors.NONE);

    // From its heartbeat on, x's own 20 s apply again (Kafka's load gives every member of a
    // consumer group the consumer session timeout, 45 s, until then).
    h.advance(19_999);
    assertThat(describe().members()).hasSize(2);
    h.advance(2);
    assertThat(describe().members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactly("member-m");
  }

  @Test
  void aClassicMemberThatHeartbeatsWithTheConsumerProtocolBecomesAConsumerMember() {
    Mixed mixed = settledMixedGroup(10_000);
    Classic x = mixed.x();

    ConsumerGroupHeartbeatResponseData r =
        heartbeatCall(beat(x.id, x.generation, x.owned).setRebalanceTimeoutMs(30_000));

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(describe().members())
        .extracting(
            ConsumerGroupDescribeResponseData.Member::memberId,
            ConsumerGroupDescribeResponseData.Member::memberType)
        .contains(tuple(x.id, (byte) 1));
    // No longer classic: the consumer member's leave leaves a consumer group.
    mixed.m().leave();
    assertThat(listed().groupType()).isEqualTo("consumer");
  }

  @Test
  void leftoversOfAFailedDowngradeAreDeletedWithTheGroup() {
    Mixed mixed = settledMixedGroup(10_000);
    appends.refuse = true;
    assertThat(error(mixed.m().leave())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);
    appends.refuse = false;
    // Classic now; its last member leaves and the empty group is deleted.
    LeaveGroupResponseData left = leave(mixed.x().id);
    assertThat(left.members().get(0).errorCode()).isEqualTo(Errors.NONE.code());
    org.apache.kafka.common.message.DeleteGroupsResponseData deleted =
        h.call(
            ApiKeys.DELETE_GROUPS,
            2,
            new org.apache.kafka.common.message.DeleteGroupsRequestData()
                .setGroupsNames(List.of(GROUP)));
    assertThat(deleted.results().find(GROUP).errorCode()).isEqualTo(Errors.NONE.code());

    assertThat(error(new Consumer("member-c").join())).isEqualTo(Errors.NONE);
    h.restart();

    assertThat(describe().members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactly("member-c");
  }

  @Test
  void aDowngradeWriteFailingAfterTheGroupUpgradedAgainLeavesNoGhost() {
    Mixed mixed = settledMixedGroup(10_000);
    appends.park = true;
    CompletableFuture<ConsumerGroupHeartbeatResponseData> left =
        h.send(
            ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            1,
            new ConsumerGroupHeartbeatRequestData()
                .setGroupId(GROUP)
                .setMemberId("member-m")
                .setMemberEpoch(-1));
    appends.park = false;
    assertThat(listed().groupType()).isEqualTo("classic");
    // A consumer member joins the classic group (x) before the downgrade's write fails.
    Consumer c = new Consumer("member-c");
    assertThat(error(c.join())).isEqualTo(Errors.NONE);
    appends.failParked();
    h.advance(0);
    assertThat(left).isDone();
    assertThat(error(c.heartbeat())).isEqualTo(Errors.NONE); // the group's next write

    h.restart();
    assertThat(describe().members())
        .extracting(ConsumerGroupDescribeResponseData.Member::memberId)
        .containsExactlyInAnyOrder(mixed.x().id, "member-c");
  }
}
