package dev.eventshop.broker.group;

import static dev.eventshop.broker.group.GroupHarness.joinData;
import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.protocol.ApiHandler;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.message.DescribeGroupsRequestData;
import org.apache.kafka.common.message.DescribeGroupsResponseData;
import org.apache.kafka.common.message.DescribeGroupsResponseData.DescribedGroup;
import org.apache.kafka.common.message.FindCoordinatorRequestData;
import org.apache.kafka.common.message.FindCoordinatorResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.ListGroupsRequestData;
import org.apache.kafka.common.message.ListGroupsResponseData;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupRequestData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.message.TxnOffsetCommitResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.apache.kafka.common.requests.FindCoordinatorRequest.CoordinatorType;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/**
 * Every advertised version of every group API, end to end through the handlers and the wire format:
 * a version is only advertised if its requests parse and its answers serialize.
 */
@Timeout(20)
class GroupApisTest {

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

  /** At group.version 0 Kafka refuses the consumer group protocol's two APIs, without a message. */
  @Test
  void groupVersionZeroTurnsTheConsumerGroupProtocolOff() {
    h.consumerProtocol = false;
    ConsumerGroupHeartbeatResponseData heartbeat =
        h.call(
            ApiKeys.CONSUMER_GROUP_HEARTBEAT,
            1,
            new ConsumerGroupHeartbeatRequestData()
                .setGroupId("g")
                .setMemberId("m")
                .setMemberEpoch(0)
                .setRebalanceTimeoutMs(30_000)
                .setSubscribedTopicNames(List.of("orders"))
                .setTopicPartitions(List.of()));
    assertThat(Errors.forCode(heartbeat.errorCode())).isEqualTo(Errors.UNSUPPORTED_VERSION);
    assertThat(heartbeat.errorMessage()).isNull();
    ConsumerGroupDescribeResponseData described =
        h.call(
            ApiKeys.CONSUMER_GROUP_DESCRIBE,
            1,
            new ConsumerGroupDescribeRequestData().setGroupIds(List.of("g", "h")));
    assertThat(described.groups())
        .extracting(g -> g.groupId() + " " + Errors.forCode(g.errorCode()))
        .containsExactly("g UNSUPPORTED_VERSION", "h UNSUPPORTED_VERSION");
  }

  @Test
  void advertisedRangesStartAtTheOldestVersionKafkaClientsCanParse() {
    Map<ApiKeys, int[]> expected =
        Map.ofEntries(
            Map.entry(ApiKeys.JOIN_GROUP, new int[] {0, 9}),
            Map.entry(ApiKeys.SYNC_GROUP, new int[] {0, 5}),
            Map.entry(ApiKeys.HEARTBEAT, new int[] {0, 4}),
            Map.entry(ApiKeys.LEAVE_GROUP, new int[] {0, 5}),
            Map.entry(ApiKeys.OFFSET_COMMIT, new int[] {2, 9}),
            Map.entry(ApiKeys.OFFSET_FETCH, new int[] {1, 9}),
            Map.entry(ApiKeys.TXN_OFFSET_COMMIT, new int[] {0, 5}),
            Map.entry(ApiKeys.DESCRIBE_GROUPS, new int[] {0, 6}),
            Map.entry(ApiKeys.LIST_GROUPS, new int[] {0, 5}),
            Map.entry(ApiKeys.DELETE_GROUPS, new int[] {0, 2}),
            Map.entry(ApiKeys.OFFSET_DELETE, new int[] {0, 0}),
            Map.entry(ApiKeys.CONSUMER_GROUP_HEARTBEAT, new int[] {0, 1}),
            Map.entry(ApiKeys.CONSUMER_GROUP_DESCRIBE, new int[] {0, 1}));
    List<ApiHandler<?>> handlers =
        GroupApis.handlers(h.coordinator, () -> true, (id, producerId, epoch, tps) -> null);

    assertThat(handlers).hasSize(expected.size());
    for (ApiHandler<?> handler : handlers) {
      int[] range = expected.get(handler.apiKey());
      assertThat(new int[] {handler.minVersion(), handler.maxVersion()})
          .as(handler.apiKey().name())
          .containsExactly(range);
      assertThat(handler.minVersion()).isEqualTo(handler.apiKey().oldestVersion());
      assertThat(handler.maxVersion()).isLessThanOrEqualTo(handler.apiKey().latestVersion());
    }
  }

  @Test
  void findCoordinatorAnswersGroupAndTransactionKeysInBothFormats() {
    for (int v = 0; v <= 6; v++) {
      FindCoordinatorRequestData request = new FindCoordinatorRequestData();
      if (v < 4) {
        request.setKey("g");
      } else {
        request.setCoordinatorKeys(List.of("g", "h"));
      }
      FindCoordinatorResponseData r = h.call(ApiKeys.FIND_COORDINATOR, v, request);
      if (v < 4) {
        assertThat(r.nodeId()).isEqualTo(1);
        assertThat(r.port()).isEqualTo(9092);
      } else {
        assertThat(r.coordinators()).extracting(c -> c.key()).containsExactly("g", "h");
        assertThat(r.coordinators()).allSatisfy(c -> assertThat(c.host()).isEqualTo("127.0.0.1"));
      }
    }
    FindCoordinatorResponseData txn =
        h.call(
            ApiKeys.FIND_COORDINATOR,
            6,
            new FindCoordinatorRequestData()
                .setKeyType(CoordinatorType.TRANSACTION.id())
                .setCoordinatorKeys(List.of("tx")));
    assertThat(Errors.forCode(txn.coordinators().get(0).errorCode())).isEqualTo(Errors.NONE);
    assertThat(txn.coordinators().get(0).nodeId()).isEqualTo(1);
    FindCoordinatorResponseData share =
        h.call(
            ApiKeys.FIND_COORDINATOR,
            6,
            new FindCoordinatorRequestData()
                .setKeyType(CoordinatorType.SHARE.id())
                .setCoordinatorKeys(List.of("s")));
    assertThat(Errors.forCode(share.coordinators().get(0).errorCode()))
        .isEqualTo(Errors.INVALID_REQUEST);
  }

  @Test
  void joinAndSyncSucceedInEveryVersion() {
    for (int v = 0; v <= 9; v++) {
      String group = "join-v" + v;
      CompletableFuture<JoinGroupResponseData> join;
      if (v >= 4) {
        JoinGroupResponseData first =
            h.call(ApiKeys.JOIN_GROUP, v, joinData(group, "", null, "range"));
        assertThat(Errors.forCode(first.errorCode())).isEqualTo(Errors.MEMBER_ID_REQUIRED);
        join = h.join(v, joinData(group, first.memberId(), null, "range"));
      } else {
        join = h.join(v, joinData(group, "", null, "range"));
      }
      JoinGroupResponseData joined = h.done(join);
      assertThat(Errors.forCode(joined.errorCode())).as("v" + v).isEqualTo(Errors.NONE);
      assertThat(joined.members()).hasSize(1);
      assertThat(joined.protocolType()).isEqualTo(v >= 7 ? "consumer" : null);

      int syncVersion = Math.min(v, 5);
      SyncGroupRequestData sync =
          new SyncGroupRequestData()
              .setGroupId(group)
              .setGenerationId(joined.generationId())
              .setMemberId(joined.memberId())
              .setAssignments(
                  List.of(
                      new SyncGroupRequestData.SyncGroupRequestAssignment()
                          .setMemberId(joined.memberId())
                          .setAssignment(new byte[] {7})));
      SyncGroupResponseData synced = h.done(h.send(ApiKeys.SYNC_GROUP, syncVersion, sync));
      assertThat(synced.assignment()).containsExactly(7);
    }
  }

  @Test
  void describeListCommitAndFetchSerializeInEveryVersion() {
    JoinGroupResponseData m = h.done(h.join(9, joinData("g", "", "pod-1", "range")));
    h.done(h.sync("g", 1, m.memberId(), Map.of(m.memberId(), new byte[] {1})));

    for (int v = 2; v <= 9; v++) {
      OffsetCommitResponseData r =
          h.done(
              h.send(
                  ApiKeys.OFFSET_COMMIT,
                  v,
                  OffsetCommitsTest.commit("g", 1, m.memberId(), "t", v)));
      assertThat(Errors.forCode(r.topics().get(0).partitions().get(0).errorCode()))
          .as("v" + v)
          .isEqualTo(Errors.NONE);
    }
    for (int v = 1; v <= 9; v++) {
      OffsetFetchRequestData request = new OffsetFetchRequestData();
      if (v < 8) {
        request
            .setGroupId("g")
            .setTopics(
                List.of(
                    new OffsetFetchRequestTopic().setName("t").setPartitionIndexes(List.of(0))));
      } else {
        request.setGroups(List.of(new OffsetFetchRequestGroup().setGroupId("g").setTopics(null)));
      }
      OffsetFetchResponseData r = h.call(ApiKeys.OFFSET_FETCH, v, request);
      long offset =
          v < 8
              ? r.topics().get(0).partitions().get(0).committedOffset()
              : r.groups().get(0).topics().get(0).partitions().get(0).committedOffset();
      assertThat(offset).as("v" + v).isEqualTo(9);
    }
    for (int v = 0; v <= 6; v++) {
      DescribeGroupsResponseData r =
          h.call(
              ApiKeys.DESCRIBE_GROUPS,
              v,
              new DescribeGroupsRequestData()
                  .setGroups(List.of("g", "unknown"))
                  .setIncludeAuthorizedOperations(v >= 3));
      DescribedGroup g = r.groups().get(0);
      assertThat(g.groupState()).isEqualTo("Stable");
      assertThat(g.protocolData()).isEqualTo("range");
      assertThat(g.members().get(0).memberAssignment()).containsExactly(1);
      assertThat(g.members().get(0).groupInstanceId()).isEqualTo(v >= 4 ? "pod-1" : null);
      if (v >= 3) {
        assertThat(g.authorizedOperations()).isPositive();
      }
      DescribedGroup unknown = r.groups().get(1);
      assertThat(Errors.forCode(unknown.errorCode()))
          .isEqualTo(v >= 6 ? Errors.GROUP_ID_NOT_FOUND : Errors.NONE);
      assertThat(unknown.groupState()).isEqualTo("Dead");
    }
    for (int v = 0; v <= 5; v++) {
      ListGroupsResponseData r = h.call(ApiKeys.LIST_GROUPS, v, new ListGroupsRequestData());
      assertThat(r.groups()).extracting(g -> g.groupId()).containsExactly("g");
      assertThat(r.groups().get(0).protocolType()).isEqualTo("consumer");
    }
  }

  @Test
  void txnOffsetCommitSerializesInEveryVersion() {
    for (int v = 0; v <= 4; v++) {
      TxnOffsetCommitResponseData r =
          h.done(
              h.send(
                  ApiKeys.TXN_OFFSET_COMMIT,
                  v,
                  TxnOffsetCommitsTest.txnCommit("txn-v" + v, 5000 + v, (short) 0, "t", v, 7)));
      assertThat(r.topics().get(0).partitions())
          .as("v" + v)
          .extracting(p -> Errors.forCode(p.errorCode()))
          .containsExactly(Errors.NONE, Errors.NONE);
    }
  }

  @Test
  void listGroupsFiltersByStateAndType() {
    JoinGroupResponseData m = h.done(h.join(9, joinData("stable", "", "pod-1", "range")));
    h.done(h.sync("stable", 1, m.memberId(), Map.of()));
    h.done(h.send(ApiKeys.OFFSET_COMMIT, 8, OffsetCommitsTest.commit("empty", -1, "", "t", 1)));

    ListGroupsResponseData empty =
        h.call(
            ApiKeys.LIST_GROUPS, 4, new ListGroupsRequestData().setStatesFilter(List.of("empty")));
    ListGroupsResponseData classic =
        h.call(
            ApiKeys.LIST_GROUPS, 5, new ListGroupsRequestData().setTypesFilter(List.of("Classic")));
    ListGroupsResponseData consumer =
        h.call(
            ApiKeys.LIST_GROUPS,
            5,
            new ListGroupsRequestData().setTypesFilter(List.of("consumer")));

    assertThat(empty.groups())
        .extracting(g -> g.groupId() + ":" + g.groupState())
        .containsExactly("empty:Empty");
    assertThat(classic.groups())
        .extracting(g -> g.groupType())
        .containsExactly("classic", "classic");
    assertThat(consumer.groups()).isEmpty();
  }

  @Test
  void aResignedPartitionAnswersNotCoordinatorAndIsReloadedWhenLedAgain() {
    JoinGroupResponseData m = h.done(h.joinNew("g"));
    h.done(h.sync("g", 1, m.memberId(), Map.of()));
    CompletableFuture<JoinGroupResponseData> waiting = h.joinNew("g");
    int p = h.coordinator.partitionFor("g");

    h.coordinator.onResign(p);

    assertThat(Errors.forCode(h.done(waiting).errorCode())).isEqualTo(Errors.NOT_COORDINATOR);
    assertThat(h.heartbeat("g", 1, m.memberId())).isEqualTo(Errors.NOT_COORDINATOR);

    h.coordinator.onBecomeLeader(p);
    assertThat(h.heartbeat("g", 1, m.memberId())).isEqualTo(Errors.NONE);
  }
}
