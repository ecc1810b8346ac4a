package dev.eventshop.broker.group;

import static dev.eventshop.broker.group.GroupHarness.joinData;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.OffsetCommitRequestData;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestPartition;
import org.apache.kafka.common.message.OffsetCommitRequestData.OffsetCommitRequestTopic;
import org.apache.kafka.common.message.OffsetCommitResponseData;
import org.apache.kafka.common.message.OffsetDeleteRequestData;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestPartition;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopic;
import org.apache.kafka.common.message.OffsetDeleteRequestData.OffsetDeleteRequestTopicCollection;
import org.apache.kafka.common.message.OffsetDeleteResponseData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopic;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestTopics;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponseGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData.OffsetFetchResponsePartitions;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** OffsetCommit, OffsetFetch, OffsetDelete and offset expiration. */
@Timeout(10)
class OffsetCommitsTest {

  static final String GROUP = "inventory";

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

  static OffsetCommitRequestData commit(
      String group, int generation, String memberId, String topic, long... offsets) {
    OffsetCommitRequestTopic t = new OffsetCommitRequestTopic().setName(topic);
    for (int p = 0; p < offsets.length; p++) {
      t.partitions()
          .add(
              new OffsetCommitRequestPartition()
                  .setPartitionIndex(p)
                  .setCommittedOffset(offsets[p])
                  .setCommittedLeaderEpoch(3)
                  .setCommittedMetadata("m" + p));
    }
    return new OffsetCommitRequestData()
        .setGroupId(group)
        .setGenerationIdOrMemberEpoch(generation)
        .setMemberId(memberId)
        .setTopics(List.of(t));
  }

  Errors commitError(int version, OffsetCommitRequestData data) {
    OffsetCommitResponseData r = h.done(h.send(ApiKeys.OFFSET_COMMIT, version, data));
    return Errors.forCode(r.topics().get(0).partitions().get(0).errorCode());
  }

  OffsetFetchResponseGroup fetchAll(String group) {
    OffsetFetchResponseData r =
        h.call(
            ApiKeys.OFFSET_FETCH,
            9,
            new OffsetFetchRequestData()
                .setGroups(
                    List.of(new OffsetFetchRequestGroup().setGroupId(group).setTopics(null))));
    return r.groups().get(0);
  }

  JoinGroupResponseData stableMember() {
    JoinGroupResponseData j = h.done(h.joinNew(GROUP));
    h.done(h.sync(GROUP, j.generationId(), j.memberId(), Map.of()));
    return j;
  }

  @Test
  void memberCommitsAreReadBackByEveryFetchFormat() {
    JoinGroupResponseData m = stableMember();
    assertThat(commitError(9, commit(GROUP, 1, m.memberId(), "orders", 42, 7)))
        .isEqualTo(Errors.NONE);

    OffsetFetchResponseGroup all = fetchAll(GROUP);
    assertThat(all.topics()).hasSize(1);
    assertThat(all.topics().get(0).partitions())
        .extracting(OffsetFetchResponsePartitions::committedOffset)
        .containsExactly(42L, 7L);
    assertThat(all.topics().get(0).partitions().get(0).committedLeaderEpoch()).isEqualTo(3);
    assertThat(all.topics().get(0).partitions().get(1).metadata()).isEqualTo("m1");

    OffsetFetchResponseData v1 =
        h.call(
            ApiKeys.OFFSET_FETCH,
            1,
            new OffsetFetchRequestData()
                .setGroupId(GROUP)
                .setTopics(
                    List.of(
                        new OffsetFetchRequestTopic()
                            .setName("orders")
                            .setPartitionIndexes(List.of(1, 2)))));
    assertThat(v1.topics().get(0).partitions())
        .extracting(p -> p.committedOffset())
        .containsExactly(7L, -1L);

    OffsetFetchResponseData v8 =
        h.call(
            ApiKeys.OFFSET_FETCH,
            8,
            new OffsetFetchRequestData()
                .setGroups(
                    List.of(
                        new OffsetFetchRequestGroup()
                            .setGroupId(GROUP)
                            .setTopics(
                                List.of(
                                    new OffsetFetchRequestTopics()
                                        .setName("orders")
                                        .setPartitionIndexes(List.of(0)))),
                        new OffsetFetchRequestGroup().setGroupId("unknown").setTopics(null))));
    assertThat(v8.groups().get(0).topics().get(0).partitions().get(0).committedOffset())
        .isEqualTo(42L);
    assertThat(v8.groups().get(1).topics()).isEmpty();
    assertThat(Errors.forCode(v8.groups().get(1).errorCode())).isEqualTo(Errors.NONE);
  }

  @Test
  void simpleCommitWithoutMembershipCreatesAnEmptyGroup() {
    assertThat(commitError(2, commit("tool", -1, "", "orders", 5))).isEqualTo(Errors.NONE);

    assertThat(h.coordinator.stateOf("tool")).contains(GroupState.EMPTY);
    assertThat(fetchAll("tool").topics().get(0).partitions().get(0).committedOffset())
        .isEqualTo(5L);
  }

  @Test
  void simpleCommitIsRefusedWhileTheGroupHasMembers() {
    stableMember();

    assertThat(commitError(8, commit(GROUP, -1, "", "orders", 5)))
        .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
  }

  @Test
  void commitsAreCheckedAgainstGenerationAndMember() {
    JoinGroupResponseData m = stableMember();

    assertThat(commitError(8, commit(GROUP, 5, m.memberId(), "orders", 1)))
        .isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(commitError(8, commit(GROUP, 1, "ghost", "orders", 1)))
        .isEqualTo(Errors.UNKNOWN_MEMBER_ID);
    assertThat(commitError(8, commit("nope", 1, "ghost", "orders", 1)))
        .isEqualTo(Errors.ILLEGAL_GENERATION);
    assertThat(commitError(9, commit("nope", 1, "ghost", "orders", 1)))
        .isEqualTo(Errors.GROUP_ID_NOT_FOUND);
    assertThat(fetchAll(GROUP).topics()).isEmpty();
  }

  @Test
  void commitBetweenJoinAndSyncGetsRebalanceInProgress() {
    JoinGroupResponseData m = h.done(h.joinNew(GROUP)); // CompletingRebalance until SyncGroup

    assertThat(commitError(9, commit(GROUP, 1, m.memberId(), "orders", 1)))
        .isEqualTo(Errors.REBALANCE_IN_PROGRESS);
  }

  @Test
  void commitDuringPreparingRebalanceIsAcceptedSoRevokedPartitionsCanBeCommitted() {
    JoinGroupResponseData a = stableMember();
    CompletableFuture<JoinGroupResponseData> b = h.joinNew(GROUP);
    assertThat(b).isNotDone();

    assertThat(commitError(9, commit(GROUP, 1, a.memberId(), "orders", 9))).isEqualTo(Errors.NONE);
  }

  @Test
  void tooLongMetadataIsRefusedPerPartition() {
    OffsetCommitRequestData data = commit("tool", -1, "", "orders", 1);
    data.topics().get(0).partitions().get(0).setCommittedMetadata("x".repeat(5000));

    assertThat(commitError(8, data)).isEqualTo(Errors.OFFSET_METADATA_TOO_LARGE);
  }

  @Test
  void offsetDeleteRefusesSubscribedTopicsAndDeletesOthers() {
    JoinGroupResponseData m = stableMember(); // subscribes to "orders"
    h.done(h.send(ApiKeys.OFFSET_COMMIT, 9, commit(GROUP, 1, m.memberId(), "orders", 1)));
    h.done(h.send(ApiKeys.OFFSET_COMMIT, 9, commit(GROUP, 1, m.memberId(), "old-topic", 1)));

    OffsetDeleteRequestTopicCollection topics = new OffsetDeleteRequestTopicCollection();
    topics.add(
        new OffsetDeleteRequestTopic()
            .setName("orders")
            .setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
    topics.add(
        new OffsetDeleteRequestTopic()
            .setName("old-topic")
            .setPartitions(List.of(new OffsetDeleteRequestPartition().setPartitionIndex(0))));
    OffsetDeleteResponseData r =
        h.done(
            h.send(
                ApiKeys.OFFSET_DELETE,
                0,
                new OffsetDeleteRequestData().setGroupId(GROUP).setTopics(topics)));

    assertThat(Errors.forCode(r.topics().find("orders").partitions().find(0).errorCode()))
        .isEqualTo(Errors.GROUP_SUBSCRIBED_TO_TOPIC);
    assertThat(Errors.forCode(r.topics().find("old-topic").partitions().find(0).errorCode()))
        .isEqualTo(Errors.NONE);
    assertThat(fetchAll(GROUP).topics()).extracting(t -> t.name()).containsExactly("orders");
  }

  @Test
  void offsetsOfAnEmptyGroupExpireAfterTheRetentionAndTheGroupGoesWithThem() {
    h.done(h.send(ApiKeys.OFFSET_COMMIT, 8, commit("tool", -1, "", "orders", 5)));

    h.advance(h.config.offsetsRetentionMs() - h.config.offsetsRetentionCheckIntervalMs());
    assertThat(fetchAll("tool").topics()).isNotEmpty();
    h.advance(h.config.offsetsRetentionCheckIntervalMs());

    assertThat(fetchAll("tool").topics()).isEmpty();
    assertThat(h.coordinator.stateOf("tool")).isEmpty();
  }

  @Test
  void offsetsOfAStableGroupDoNotExpire() {
    JoinGroupResponseData m =
        h.done(h.join(3, joinData(GROUP, "", null, "range").setSessionTimeoutMs(300_000)));
    h.done(h.sync(GROUP, 1, m.memberId(), Map.of()));
    h.done(h.send(ApiKeys.OFFSET_COMMIT, 8, commit(GROUP, 1, m.memberId(), "orders", 5)));

    long horizon = h.config.offsetsRetentionMs() + 2 * h.config.offsetsRetentionCheckIntervalMs();
    for (long t = 0; t < horizon; t += 200_000) {
      h.advance(200_000);
      assertThat(h.heartbeat(GROUP, 1, m.memberId())).isEqualTo(Errors.NONE);
    }

    assertThat(fetchAll(GROUP).topics()).isNotEmpty();
  }
}
