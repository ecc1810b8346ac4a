package dev.eventshop.broker.group;

import static dev.eventshop.broker.group.GroupHarness.joinData;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupRequestData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData.JoinGroupResponseMember;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** The classic group state machine: join, sync, heartbeat, leave, timeouts and static members. */
@Timeout(10)
class ClassicRebalanceTest {

  static final String GROUP = "payments";

  @TempDir Path dir;
  GroupHarness h;

  @BeforeEach
  void open() {
    h = new GroupHarness(dir, GroupHarness.config(0));
  }

  @AfterEach
  void close() {
    h.close();
  }

  static Errors error(JoinGroupResponseData r) {
    return Errors.forCode(r.errorCode());
  }

  static byte[] bytes(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** One member joined, synced and Stable; returns its join response. */
  JoinGroupResponseData stableSingleMember() {
    JoinGroupResponseData join = h.done(h.joinNew(GROUP));
    SyncGroupResponseData sync =
        h.done(
            h.sync(
                GROUP, join.generationId(), join.memberId(), Map.of(join.memberId(), bytes("a"))));
    assertThat(Errors.forCode(sync.errorCode())).isEqualTo(Errors.NONE);
    return join;
  }

  @Test
  void newDynamicMemberMustRejoinWithTheIdItIsGiven() {
    JoinGroupResponseData first = h.call(ApiKeys.JOIN_GROUP, 4, joinData(GROUP, "", null, "range"));

    assertThat(error(first)).isEqualTo(Errors.MEMBER_ID_REQUIRED);
    assertThat(first.memberId()).startsWith("client-");

    JoinGroupResponseData second =
        h.done(h.join(4, joinData(GROUP, first.memberId(), null, "range")));
    assertThat(error(second)).isEqualTo(Errors.NONE);
    assertThat(second.memberId()).isEqualTo(first.memberId());
    assertThat(second.leader()).isEqualTo(first.memberId());
    assertThat(second.generationId()).isEqualTo(1);
    assertThat(second.protocolName()).isEqualTo("range");
    assertThat(second.members())
        .extracting(JoinGroupResponseMember::memberId)
        .containsExactly(first.memberId());
  }

  @Test
  void versionsBeforeFourJoinInOneStep() {
    JoinGroupResponseData r = h.done(h.join(3, joinData(GROUP, "", null, "range")));

    assertThat(error(r)).isEqualTo(Errors.NONE);
    assertThat(r.memberId()).isNotEmpty();
    assertThat(r.generationId()).isEqualTo(1);
  }

  @Test
  void joinSyncHeartbeatMakesTheGroupStableAndEchoesTheProtocol() {
    JoinGroupResponseData join = h.done(h.joinNew(GROUP));
    assertThat(join.protocolType()).isEqualTo("consumer");
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.COMPLETING_REBALANCE);

    SyncGroupResponseData sync =
        h.done(h.sync(GROUP, 1, join.memberId(), Map.of(join.memberId(), bytes("p0,p1"))));

    assertThat(sync.assignment()).isEqualTo(bytes("p0,p1"));
    assertThat(sync.protocolType()).isEqualTo("consumer");
    assertThat(sync.protocolName()).isEqualTo("range");
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.STABLE);
    assertThat(h.heartbeat(GROUP, 1, join.memberId())).isEqualTo(Errors.NONE);
  }

  @Test
  void secondMemberRebalancesTheGroupAndTheLeaderAssignsBoth() {
    JoinGroupResponseData a = stableSingleMember();

    CompletableFuture<JoinGroupResponseData> bJoin = h.joinNew(GROUP);
    assertThat(bJoin).isNotDone();
    assertThat(h.heartbeat(GROUP, 1, a.memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

    JoinGroupResponseData aRejoin = h.done(h.join(9, joinData(GROUP, a.memberId(), null, "range")));
    JoinGroupResponseData b = h.done(bJoin);

    assertThat(aRejoin.generationId()).isEqualTo(2).isEqualTo(b.generationId());
    assertThat(aRejoin.leader()).isEqualTo(a.memberId()).isEqualTo(b.leader());
    assertThat(aRejoin.members()).hasSize(2);
    assertThat(b.members()).isEmpty();

    CompletableFuture<SyncGroupResponseData> bSync = h.sync(GROUP, 2, b.memberId(), Map.of());
    assertThat(bSync).isNotDone();
    SyncGroupResponseData aSync =
        h.done(
            h.sync(
                GROUP,
                2,
                a.memberId(),
                Map.of(a.memberId(), bytes("p0"), b.memberId(), bytes("p1"))));

    assertThat(aSync.assignment()).isEqualTo(bytes("p0"));
    assertThat(h.done(bSync).assignment()).isEqualTo(bytes("p1"));
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.STABLE);
  }

  @Test
  void memberThatDoesNotRejoinWithinTheRebalanceTimeoutIsEvicted() {
    JoinGroupResponseData a = stableSingleMember();
    CompletableFuture<JoinGroupResponseData> bJoin = h.joinNew(GROUP);
    h.done(h.join(9, joinData(GROUP, a.memberId(), null, "range")));
    JoinGroupResponseData b = h.done(bJoin);
    h.done(h.sync(GROUP, 2, a.memberId(), Map.of()));
    h.done(h.sync(GROUP, 2, b.memberId(), Map.of()));

    // A third member joins; B rejoins; A keeps heartbeating (it is alive) but never rejoins,
    // like a consumer stuck processing a batch for longer than its max.poll.interval.ms.
    CompletableFuture<JoinGroupResponseData> cJoin = h.joinNew(GROUP);
    CompletableFuture<JoinGroupResponseData> bRejoin =
        h.join(9, joinData(GROUP, b.memberId(), null, "range"));
    for (int i = 0; i < 9; i++) {
      h.advance(3_000);
      assertThat(h.heartbeat(GROUP, 2, a.memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    }
    h.advance(2_999);
    assertThat(cJoin).isNotDone();
    h.advance(1); // 30 s: the rebalance timeout

    JoinGroupResponseData c = h.done(cJoin);
    assertThat(c.generationId()).isEqualTo(3);
    assertThat(h.done(bRejoin).generationId()).isEqualTo(3);
    assertThat(h.done(bRejoin).leader())
        .as("the leader A is gone, so the next member in join order leads")
        .isEqualTo(b.memberId());
    assertThat(h.done(bRejoin).members())
        .extracting(JoinGroupResponseMember::memberId)
        .containsExactlyInAnyOrder(b.memberId(), c.memberId());
    assertThat(h.heartbeat(GROUP, 3, a.memberId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void memberSilentForItsSessionTimeoutIsRemovedAndTheGroupRebalances() {
    JoinGroupResponseData a = stableSingleMember();
    CompletableFuture<JoinGroupResponseData> bJoin = h.joinNew(GROUP);
    h.done(h.join(9, joinData(GROUP, a.memberId(), null, "range")));
    JoinGroupResponseData b = h.done(bJoin);
    h.done(h.sync(GROUP, 2, a.memberId(), Map.of()));
    h.done(h.sync(GROUP, 2, b.memberId(), Map.of()));

    for (int i = 0; i < 3; i++) {
      h.advance(3_000);
      assertThat(h.heartbeat(GROUP, 2, a.memberId())).isEqualTo(Errors.NONE);
    }
    h.advance(1_000); // B has now been silent for its whole 10 s session timeout
    assertThat(h.heartbeat(GROUP, 2, b.memberId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(h.heartbeat(GROUP, 2, a.memberId())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);

    JoinGroupResponseData aRejoin = h.done(h.join(9, joinData(GROUP, a.memberId(), null, "range")));
    assertThat(aRejoin.generationId()).isEqualTo(3);
    assertThat(aRejoin.members()).hasSize(1);
  }

  @Test
  void memberThatNeverSyncsIsRemovedAfterTheRebalanceTimeout() {
    JoinGroupResponseData a = stableSingleMember();
    CompletableFuture<JoinGroupResponseData> bJoin = h.joinNew(GROUP);
    h.done(h.join(9, joinData(GROUP, a.memberId(), null, "range")));
    JoinGroupResponseData b = h.done(bJoin);
    CompletableFuture<SyncGroupResponseData> bSync = h.sync(GROUP, 2, b.memberId(), Map.of());

    h.advance(30_000); // the leader A never sends SyncGroup

    assertThat(Errors.forCode(h.done(bSync).errorCode())).isEqualTo(Errors.REBALANCE_IN_PROGRESS);
    assertThat(h.heartbeat(GROUP, 2, a.memberId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void heartbeatAndSyncCheckMemberAndGeneration() {
    JoinGroupResponseData a = stableSingleMember();

    assertThat(h.heartbeat(GROUP, 0, a.memberId())).isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(h.heartbeat(GROUP, 1, "nobody")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(h.heartbeat("no-such-group", 1, "nobody")).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(Errors.forCode(h.done(h.sync(GROUP, 7, a.memberId(), Map.of())).errorCode()))
        .isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(
            Errors.forCode(h.done(h.join(9, joinData(GROUP, "nobody", null, "range"))).errorCode()))
        .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void protocolTypeAndNameMustMatchTheGroup() {
    JoinGroupResponseData a = stableSingleMember();

    JoinGroupRequestData connect = joinData(GROUP, "", null, "range").setProtocolType("connect");
    assertThat(error(h.done(h.join(9, connect)))).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    assertThat(error(h.done(h.join(3, joinData(GROUP, "", null, "sticky")))))
        .isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
    SyncGroupResponseData wrongName =
        h.call(
            ApiKeys.SYNC_GROUP,
            5,
            new org.apache.kafka.common.message.SyncGroupRequestData()
                .setGroupId(GROUP)
                .setGenerationId(1)
                .setMemberId(a.memberId())
                .setProtocolType("consumer")
                .setProtocolName("roundrobin"));
    assertThat(Errors.forCode(wrongName.errorCode())).isEqualTo(Errors.INCONSISTENT_GROUP_PROTOCOL);
  }

  @Test
  void theProtocolIsChosenByVoteAmongThoseAllMembersSupport() {
    CompletableFuture<JoinGroupResponseData> a =
        h.join(3, joinData(GROUP, "", null, "range", "roundrobin"));
    // With no initial delay the first member's rebalance completes at once; rejoin all together.
    JoinGroupResponseData first = h.done(a);
    h.done(h.sync(GROUP, 1, first.memberId(), Map.of()));
    CompletableFuture<JoinGroupResponseData> b =
        h.join(3, joinData(GROUP, "", null, "roundrobin", "range"));
    CompletableFuture<JoinGroupResponseData> c =
        h.join(3, joinData(GROUP, "", null, "roundrobin", "sticky", "range"));
    JoinGroupResponseData aRejoin =
        h.done(h.join(3, joinData(GROUP, first.memberId(), null, "range", "roundrobin")));

    assertThat(aRejoin.protocolName()).isEqualTo("roundrobin");
    assertThat(h.done(b).protocolName()).isEqualTo("roundrobin");
    assertThat(h.done(c).protocolName()).isEqualTo("roundrobin");
  }

  @Test
  void sessionTimeoutOutsideTheBrokerLimitsIsRejected() {
    JoinGroupResponseData r =
        h.done(h.join(9, joinData(GROUP, "", null, "range").setSessionTimeoutMs(1_000)));

    assertThat(error(r)).isEqualTo(Errors.INVALID_SESSION_TIMEOUT);
    assertThat(h.coordinator.stateOf(GROUP)).isEmpty();
  }

  @Test
  void initialRebalanceDelayWaitsForMoreMembersOfANewGroup() {
    h.close();
    h = new GroupHarness(dir, GroupHarness.config(3_000));

    CompletableFuture<JoinGroupResponseData> a = h.joinNew(GROUP);
    h.advance(2_000);
    CompletableFuture<JoinGroupResponseData> b = h.joinNew(GROUP);
    h.advance(3_999);
    assertThat(a).as("a new member during the delay extends it by another delay").isNotDone();
    h.advance(1);

    assertThat(h.done(a).generationId()).isEqualTo(1);
    assertThat(h.done(b).generationId()).isEqualTo(1);
    assertThat(h.done(a).members()).hasSize(2);
  }

  @Test
  void staticMemberRejoiningUnderANewIdFencesTheOldOneWithoutARebalance() {
    JoinGroupResponseData first = h.done(h.join(9, joinData(GROUP, "", "pod-1", "range")));
    assertThat(error(first)).as("static members skip MEMBER_ID_REQUIRED").isEqualTo(Errors.NONE);
    h.done(h.sync(GROUP, 1, first.memberId(), Map.of(first.memberId(), bytes("p0"))));

    // The pod restarts: it lost its member id but keeps its instance id.
    JoinGroupResponseData again = h.done(h.join(8, joinData(GROUP, "", "pod-1", "range")));

    assertThat(error(again)).isEqualTo(Errors.NONE);
    assertThat(again.memberId()).isNotEqualTo(first.memberId());
    assertThat(again.generationId()).as("no rebalance").isEqualTo(1);
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.STABLE);
    assertThat(h.heartbeat(GROUP, 1, first.memberId(), "pod-1"))
        .isEqualTo(Errors.FENCED_INSTANCE_ID);
    assertThat(h.heartbeat(GROUP, 1, again.memberId(), "pod-1")).isEqualTo(Errors.NONE);
    SyncGroupResponseData sync = h.done(h.sync(GROUP, 1, again.memberId(), Map.of()));
    assertThat(sync.assignment()).as("the assignment is kept").isEqualTo(bytes("p0"));
  }

  @Test
  void staticLeaderRejoiningWithVersionNineIsToldToSkipTheAssignment() {
    JoinGroupResponseData first = h.done(h.join(9, joinData(GROUP, "", "pod-1", "range")));
    h.done(h.sync(GROUP, 1, first.memberId(), Map.of(first.memberId(), bytes("p0"))));

    JoinGroupResponseData again = h.done(h.join(9, joinData(GROUP, "", "pod-1", "range")));

    assertThat(again.skipAssignment()).isTrue();
    assertThat(again.leader()).isEqualTo(again.memberId());
    assertThat(again.members())
        .extracting(JoinGroupResponseMember::groupInstanceId)
        .containsExactly("pod-1");
  }

  @Test
  void staticMemberWithAChangedProtocolTriggersARebalance() {
    JoinGroupResponseData first =
        h.done(h.join(9, joinData(GROUP, "", "pod-1", "range", "roundrobin")));
    assertThat(first.protocolName()).isEqualTo("range");
    h.done(h.sync(GROUP, 1, first.memberId(), Map.of()));

    // Restarted with another preference: the vote would now choose another protocol.
    JoinGroupResponseData again =
        h.done(h.join(9, joinData(GROUP, "", "pod-1", "roundrobin", "range")));

    assertThat(again.generationId()).isEqualTo(2);
    assertThat(again.protocolName()).isEqualTo("roundrobin");
  }

  @Test
  void leaveGroupRemovesMembersByIdOrInstanceIdInOneBatch() {
    JoinGroupResponseData a = h.done(h.join(9, joinData(GROUP, "", "pod-1", "range")));
    h.done(h.sync(GROUP, 1, a.memberId(), Map.of()));
    CompletableFuture<JoinGroupResponseData> bJoin = h.joinNew(GROUP);
    h.done(h.join(9, joinData(GROUP, a.memberId(), "pod-1", "range")));
    JoinGroupResponseData b = h.done(bJoin);

    var response =
        (org.apache.kafka.common.message.LeaveGroupResponseData)
            h.call(
                ApiKeys.LEAVE_GROUP,
                5,
                new org.apache.kafka.common.message.LeaveGroupRequestData()
                    .setGroupId(GROUP)
                    .setMembers(
                        java.util.List.of(
                            member("", "pod-1"),
                            member(b.memberId(), null),
                            member("ghost", null),
                            member("wrong-id", "pod-2"))));

    assertThat(response.members())
        .extracting(m -> Errors.forCode(m.errorCode()))
        .containsExactly(
            Errors.NONE, Errors.NONE, Errors.UNKNOWN_MEMBER_ID, Errors.UNKNOWN_MEMBER_ID);
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.EMPTY);
  }

  @Test
  void leaveGroupVersionZeroReportsTheMemberErrorAtTopLevel() {
    var response =
        (org.apache.kafka.common.message.LeaveGroupResponseData)
            h.call(
                ApiKeys.LEAVE_GROUP,
                0,
                new org.apache.kafka.common.message.LeaveGroupRequestData()
                    .setGroupId(GROUP)
                    .setMemberId("ghost"));

    assertThat(Errors.forCode(response.errorCode())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void staticMemberLeavingWithAStaleIdIsFenced() {
    JoinGroupResponseData a = h.done(h.join(9, joinData(GROUP, "", "pod-1", "range")));
    var response =
        (org.apache.kafka.common.message.LeaveGroupResponseData)
            h.call(
                ApiKeys.LEAVE_GROUP,
                5,
                new org.apache.kafka.common.message.LeaveGroupRequestData()
                    .setGroupId(GROUP)
                    .setMembers(java.util.List.of(member("old-id", "pod-1"))));

    assertThat(Errors.forCode(response.members().get(0).errorCode()))
        .isEqualTo(Errors.FENCED_INSTANCE_ID);
    assertThat(h.heartbeat(GROUP, 1, a.memberId(), "pod-1")).isNotEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void lastMemberLeavingMakesTheGroupEmptyWithANewGeneration() {
    JoinGroupResponseData a = stableSingleMember();
    h.call(
        ApiKeys.LEAVE_GROUP,
        2,
        new org.apache.kafka.common.message.LeaveGroupRequestData()
            .setGroupId(GROUP)
            .setMemberId(a.memberId()));

    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.EMPTY);
    assertThat(h.heartbeat(GROUP, 1, a.memberId())).isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  static org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity member(
      String memberId, String instanceId) {
    return new org.apache.kafka.common.message.LeaveGroupRequestData.MemberIdentity()
        .setMemberId(memberId)
        .setGroupInstanceId(instanceId);
  }
}
