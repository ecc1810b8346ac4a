package dev.eventshop.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.message.ConsumerGroupDescribeRequestData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData;
import org.apache.kafka.common.message.ConsumerGroupDescribeResponseData.DescribedGroup;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatRequestData;
import org.apache.kafka.common.message.ConsumerGroupHeartbeatResponseData;
import org.apache.kafka.common.protocol.ApiKeys;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A consumer group's records in {@code __consumer_offsets} when appends fail or are slow: what a
 * coordinator that takes the group over from the log finds.
 */
class ConsumerGroupPersistenceTest {

  static final String GROUP = "shipping";
  static final Uuid ORDERS = Uuid.fromString("AAAAAAAAAAAAAAAAAAAAAQ");

  @TempDir Path dir;
  GroupHarness h;
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

  static ConsumerGroupHeartbeatRequestData join(String memberId) {
    return new ConsumerGroupHeartbeatRequestData()
        .setGroupId(GROUP)
        .setMemberId(memberId)
        .setMemberEpoch(0)
        .setRebalanceTimeoutMs(30_000)
        .setSubscribedTopicNames(List.of("orders"))
        .setTopicPartitions(List.of());
  }

  static ConsumerGroupHeartbeatRequestData beat(String memberId, int epoch) {
    return new ConsumerGroupHeartbeatRequestData()
        .setGroupId(GROUP)
        .setMemberId(memberId)
        .setMemberEpoch(epoch);
  }

  CompletableFuture<ConsumerGroupHeartbeatResponseData> send(ConsumerGroupHeartbeatRequestData r) {
    return h.send(ApiKeys.CONSUMER_GROUP_HEARTBEAT, 1, r);
  }

  DescribedGroup describe() {
    ConsumerGroupDescribeResponseData r =
        h.call(
            ApiKeys.CONSUMER_GROUP_DESCRIBE,
            1,
            new ConsumerGroupDescribeRequestData().setGroupIds(List.of(GROUP)));
    return r.groups().get(0);
  }

  @Test
  void aChangeWhoseAppendFailedIsWrittenWholeAtTheNextChange() {
    appends.refuse = true;
    ConsumerGroupHeartbeatResponseData refused = h.done(send(join("member-a")));
    assertThat(Errors.forCode(refused.errorCode())).isEqualTo(Errors.COORDINATOR_NOT_AVAILABLE);

    appends.refuse = false;
    // The retry changes nothing in memory, yet the whole group is written.
    ConsumerGroupHeartbeatResponseData joined = h.done(send(join("member-a")));
    assertThat(Errors.forCode(joined.errorCode())).isEqualTo(Errors.NONE);
    DescribedGroup before = describe();

    h.restart();

    assertThat(describe()).isEqualTo(before);
    assertThat(Errors.forCode(h.done(send(beat("member-a", 1))).errorCode()))
        .isEqualTo(Errors.NONE);
  }

  @Test
  void anAnswerWithNoChangeOfItsOwnWaitsForTheGroupsPendingWrite() {
    appends.hold = true;
    CompletableFuture<ConsumerGroupHeartbeatResponseData> joined = send(join("member-a"));
    // The join's response was lost (say): the member retries at once, changing nothing.
    CompletableFuture<ConsumerGroupHeartbeatResponseData> retried = send(join("member-a"));

    assertThat(joined).isNotDone();
    assertThat(retried).as("not ahead of the join's records").isNotDone();
    appends.releaseAll();
    h.advance(0); // completions run on the coordinator's timer
    assertThat(h.done(retried).memberEpoch()).isEqualTo(1);
  }

  @Test
  void aGroupTakenOverAfterAMemberWasFencedKeepsItsTopicsAndBumpsItsEpochAtTheNextHeartbeat() {
    h.done(send(join("member-a")));
    h.done(send(join("member-b")));
    h.advance(30_000);
    h.done(send(beat("member-a", 1))); // a stays alive; b does not
    h.advance(20_000); // b's session ends: the group epoch is bumped, no target recomputed yet

    h.restart();

    DescribedGroup resumed = describe();
    assertThat(resumed.members()).hasSize(1);
    assertThat(resumed.members().get(0).assignment().topicPartitions())
        .allSatisfy(t -> assertThat(t.topicName()).isEqualTo("orders"));
    int epoch = resumed.members().get(0).memberEpoch();
    ConsumerGroupHeartbeatResponseData r = h.done(send(beat("member-a", epoch)));
    assertThat(Errors.forCode(r.errorCode())).isEqualTo(Errors.NONE);
    assertThat(describe().groupEpoch()).isGreaterThan(resumed.groupEpoch());
  }
}
