package dev.eventshop.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.group.OffsetsTopicFormat.Entry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupEntry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.MemberSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.OffsetEntry;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.message.DeleteGroupsRequestData;
import org.apache.kafka.common.message.DeleteGroupsResponseData;
import org.apache.kafka.common.message.JoinGroupResponseData;
import org.apache.kafka.common.message.LeaveGroupRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData;
import org.apache.kafka.common.message.OffsetFetchRequestData.OffsetFetchRequestGroup;
import org.apache.kafka.common.message.OffsetFetchResponseData;
import org.apache.kafka.common.message.SyncGroupResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Groups and offsets written to real {@code __consumer_offsets} logs and read back on reopen. */
@Timeout(10)
class GroupPersistenceTest {

  static final String GROUP = "notifications";

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

  long committed(String group, String topic, int partition) {
    OffsetFetchResponseData r =
        h.call(
            ApiKeys.OFFSET_FETCH,
            9,
            new OffsetFetchRequestData()
                .setGroups(
                    List.of(new OffsetFetchRequestGroup().setGroupId(group).setTopics(null))));
    return r.groups().get(0).topics().stream()
        .filter(t -> t.name().equals(topic))
        .flatMap(t -> t.partitions().stream())
        .filter(p -> p.partitionIndex() == partition)
        .mapToLong(p -> p.committedOffset())
        .findFirst()
        .orElse(-1);
  }

  List<Entry> recordsOf(String group) throws Exception {
    List<Entry> entries = new ArrayList<>();
    new GroupStore(h.topic, h.timer)
        .load(
            h.coordinator.partitionFor(group),
            new GroupStore.Replay() {
              @Override
              public void record(Entry entry, long batchOffset, long producerId) {
                entries.add(entry);
              }

              @Override
              public void marker(long producerId, boolean commit) {}
            });
    return entries;
  }

  @Test
  void committedOffsetsSurviveARestart() {
    JoinGroupResponseData m = h.done(h.joinNew(GROUP));
    h.done(h.sync(GROUP, 1, m.memberId(), Map.of()));
    h.done(
        h.send(
            ApiKeys.OFFSET_COMMIT,
            9,
            OffsetCommitsTest.commit(GROUP, 1, m.memberId(), "orders", 10, 20)));
    h.done(
        h.send(
            ApiKeys.OFFSET_COMMIT,
            9,
            OffsetCommitsTest.commit(GROUP, 1, m.memberId(), "orders", 11)));
    h.done(
        h.send(
            ApiKeys.OFFSET_COMMIT, 2, OffsetCommitsTest.commit("simple", -1, "", "payments", 3)));

    h.restart();

    assertThat(committed(GROUP, "orders", 0)).isEqualTo(11);
    assertThat(committed(GROUP, "orders", 1)).isEqualTo(20);
    assertThat(committed("simple", "payments", 0)).isEqualTo(3);
  }

  @Test
  void aStableGroupResumesAfterARestartAndItsMembersKeepHeartbeating() {
    JoinGroupResponseData m = h.done(h.join(9, GroupHarness.joinData(GROUP, "", "pod-1", "range")));
    h.done(
        h.sync(
            GROUP, 1, m.memberId(), Map.of(m.memberId(), "p0".getBytes(StandardCharsets.UTF_8))));

    h.restart();

    assertThat(h.heartbeat(GROUP, 1, m.memberId(), "pod-1")).isEqualTo(Errors.NONE);
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.STABLE);
    SyncGroupResponseData sync = h.done(h.sync(GROUP, 1, m.memberId(), Map.of()));
    assertThat(new String(sync.assignment(), StandardCharsets.UTF_8)).isEqualTo("p0");
  }

  @Test
  void membersThatDoNotComeBackAfterARestartExpire() {
    JoinGroupResponseData m = h.done(h.joinNew(GROUP));
    h.done(h.sync(GROUP, 1, m.memberId(), Map.of()));

    h.restart();
    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.STABLE);
    h.advance(10_000);

    assertThat(h.coordinator.stateOf(GROUP)).contains(GroupState.EMPTY);
  }

  @Test
  void deletingAGroupWritesTombstonesSoItStaysDeletedAfterARestart() throws Exception {
    JoinGroupResponseData m = h.done(h.joinNew(GROUP));
    h.done(h.sync(GROUP, 1, m.memberId(), Map.of()));
    h.done(
        h.send(
            ApiKeys.OFFSET_COMMIT,
            9,
            OffsetCommitsTest.commit(GROUP, 1, m.memberId(), "orders", 10)));

    DeleteGroupsResponseData busy =
        h.call(
            ApiKeys.DELETE_GROUPS, 2, new DeleteGroupsRequestData().setGroupsNames(List.of(GROUP)));
    assertThat(Errors.forCode(busy.results().find(GROUP).errorCode()))
        .isEqualTo(Errors.NON_EMPTY_GROUP);

    h.call(
        ApiKeys.LEAVE_GROUP,
        3,
        new LeaveGroupRequestData()
            .setGroupId(GROUP)
            .setMembers(
                List.of(new LeaveGroupRequestData.MemberIdentity().setMemberId(m.memberId()))));
    DeleteGroupsResponseData deleted =
        h.done(
            h.send(
                ApiKeys.DELETE_GROUPS,
                2,
                new DeleteGroupsRequestData().setGroupsNames(List.of(GROUP, "never-existed"))));
    assertThat(Errors.forCode(deleted.results().find(GROUP).errorCode())).isEqualTo(Errors.NONE);
    assertThat(Errors.forCode(deleted.results().find("never-existed").errorCode()))
        .isEqualTo(Errors.GROUP_ID_NOT_FOUND);

    List<Entry> records = recordsOf(GROUP);
    Entry last = records.get(records.size() - 1);
    Entry beforeLast = records.get(records.size() - 2);
    assertThat(last).isEqualTo(new GroupEntry(GROUP, null));
    assertThat(beforeLast).isEqualTo(new OffsetEntry(GROUP, new TopicPartition("orders", 0), null));

    h.restart();
    assertThat(h.coordinator.stateOf(GROUP)).isEmpty();
    assertThat(committed(GROUP, "orders", 0)).isEqualTo(-1);
  }

  @Test
  void theRecordFormatRoundTripsEveryField() {
    CommittedOffset offset = new CommittedOffset(42, 7, "meta", 1234, -1);
    CommittedOffset expiring = new CommittedOffset(43, -1, "", 1234, 99_999);
    GroupSnapshot group =
        new GroupSnapshot(
            "consumer",
            5,
            "range",
            "m-1",
            777,
            List.of(
                new MemberSnapshot(
                    "m-1",
                    "pod-1",
                    "client",
                    "/10.0.0.1",
                    30_000,
                    10_000,
                    new byte[] {1, 2},
                    new byte[] {3}),
                new MemberSnapshot(
                    "m-2", null, "client", "/10.0.0.2", 30_000, 10_000, new byte[0], new byte[0])));
    TopicPartition tp = new TopicPartition("orders", 2);

    OffsetEntry o =
        (OffsetEntry)
            OffsetsTopicFormat.decode(
                ByteBuffer.wrap(OffsetsTopicFormat.offsetKey("g", tp)),
                ByteBuffer.wrap(OffsetsTopicFormat.offsetValue(offset)));
    OffsetEntry e =
        (OffsetEntry)
            OffsetsTopicFormat.decode(
                ByteBuffer.wrap(OffsetsTopicFormat.offsetKey("g", tp)),
                ByteBuffer.wrap(OffsetsTopicFormat.offsetValue(expiring)));
    GroupEntry g =
        (GroupEntry)
            OffsetsTopicFormat.decode(
                ByteBuffer.wrap(OffsetsTopicFormat.groupKey("g")),
                ByteBuffer.wrap(OffsetsTopicFormat.groupValue(group)));

    assertThat(o).isEqualTo(new OffsetEntry("g", tp, offset));
    assertThat(e.value()).isEqualTo(expiring);
    assertThat(g.value()).usingRecursiveComparison().isEqualTo(group);
    assertThat(OffsetsTopicFormat.offsetKey("g", tp)).startsWith(0, 1); // Kafka's key version 1
    assertThat(OffsetsTopicFormat.groupKey("g")).startsWith(0, 2); // Kafka's key version 2
  }
}
