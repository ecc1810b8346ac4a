package dev.eventshop.broker.group;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.group.OffsetsTopicFormat.GroupEntry;
import dev.eventshop.broker.group.OffsetsTopicFormat.GroupSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.MemberSnapshot;
import dev.eventshop.broker.group.OffsetsTopicFormat.OffsetEntry;
import java.nio.ByteBuffer;
import java.util.List;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.coordinator.group.generated.GroupMetadataKey;
import org.apache.kafka.coordinator.group.generated.GroupMetadataValue;
import org.apache.kafka.coordinator.group.generated.OffsetCommitKey;
import org.apache.kafka.coordinator.group.generated.OffsetCommitValue;
import org.junit.jupiter.api.Test;

/**
 * Our {@code __consumer_offsets} records against Apache Kafka's own record classes (from the
 * test-scoped kafka-group-coordinator jar): Kafka reads what we write, and we read what Kafka
 * writes in the same versions.
 */
class OffsetsTopicFormatTest {

  static final TopicPartition TP = new TopicPartition("orders", 2);

  @Test
  void kafkaReadsOurOffsetCommitKeyAndValue() {
    ByteBuffer key = ByteBuffer.wrap(OffsetsTopicFormat.offsetKey("payments", TP));
    assertThat(key.getShort()).as("record type: offset commit").isEqualTo((short) 1);
    OffsetCommitKey k = new OffsetCommitKey(new ByteBufferAccessor(key), (short) 0);
    assertThat(k.group()).isEqualTo("payments");
    assertThat(k.topic()).isEqualTo("orders");
    assertThat(k.partition()).isEqualTo(2);
    assertThat(key.hasRemaining()).isFalse();

    ByteBuffer value =
        ByteBuffer.wrap(
            OffsetsTopicFormat.offsetValue(new CommittedOffset(42, 7, "meta", 1234, -1)));
    short version = value.getShort();
    OffsetCommitValue v = new OffsetCommitValue(new ByteBufferAccessor(value), version);
    assertThat(version).isEqualTo((short) 3);
    assertThat(v.offset()).isEqualTo(42);
    assertThat(v.leaderEpoch()).isEqualTo(7);
    assertThat(v.metadata()).isEqualTo("meta");
    assertThat(v.commitTimestamp()).isEqualTo(1234);
    assertThat(value.hasRemaining()).isFalse();

    ByteBuffer expiring =
        ByteBuffer.wrap(
            OffsetsTopicFormat.offsetValue(new CommittedOffset(43, -1, "", 1234, 9999)));
    short v1 = expiring.getShort();
    assertThat(v1).isEqualTo((short) 1);
    assertThat(new OffsetCommitValue(new ByteBufferAccessor(expiring), v1).expireTimestamp())
        .isEqualTo(9999);
  }

  @Test
  void kafkaReadsOurGroupMetadata() {
    GroupSnapshot snapshot =
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
                    "m-2", null, "client", "/10.0.0.2", 20_000, 9_000, new byte[0], new byte[0])));

    ByteBuffer key = ByteBuffer.wrap(OffsetsTopicFormat.groupKey("payments"));
    assertThat(key.getShort()).as("record type: group metadata").isEqualTo((short) 2);
    assertThat(new GroupMetadataKey(new ByteBufferAccessor(key), (short) 0).group())
        .isEqualTo("payments");

    ByteBuffer value = ByteBuffer.wrap(OffsetsTopicFormat.groupValue(snapshot));
    short version = value.getShort();
    GroupMetadataValue v = new GroupMetadataValue(new ByteBufferAccessor(value), version);
    assertThat(value.hasRemaining()).isFalse();
    assertThat(v.protocolType()).isEqualTo("consumer");
    assertThat(v.generation()).isEqualTo(5);
    assertThat(v.protocol()).isEqualTo("range");
    assertThat(v.leader()).isEqualTo("m-1");
    assertThat(v.currentStateTimestamp()).isEqualTo(777);
    assertThat(v.members()).hasSize(2);
    GroupMetadataValue.MemberMetadata first = v.members().get(0);
    assertThat(first.memberId()).isEqualTo("m-1");
    assertThat(first.groupInstanceId()).isEqualTo("pod-1");
    assertThat(first.clientHost()).isEqualTo("/10.0.0.1");
    assertThat(first.rebalanceTimeout()).isEqualTo(30_000);
    assertThat(first.sessionTimeout()).isEqualTo(10_000);
    assertThat(first.subscription()).containsExactly(1, 2);
    assertThat(first.assignment()).containsExactly(3);
    assertThat(v.members().get(1).groupInstanceId()).isNull();
  }

  @Test
  void weReadWhatKafkaWrites() {
    byte[] key =
        MessageUtil.toVersionPrefixedBytes(
            (short) 1, new OffsetCommitKey().setGroup("g").setTopic("orders").setPartition(2));
    for (short version = 0; version <= 3; version++) {
      byte[] value =
          MessageUtil.toVersionPrefixedBytes(
              version,
              new OffsetCommitValue()
                  .setOffset(42)
                  .setLeaderEpoch(version >= 3 ? 7 : -1)
                  .setMetadata("m")
                  .setCommitTimestamp(1234)
                  .setExpireTimestamp(version == 1 ? 5678 : -1));
      OffsetEntry entry =
          (OffsetEntry) OffsetsTopicFormat.decode(ByteBuffer.wrap(key), ByteBuffer.wrap(value));
      assertThat(entry.partition()).isEqualTo(TP);
      assertThat(entry.value().offset()).as("v" + version).isEqualTo(42);
      assertThat(entry.value().metadata()).isEqualTo("m");
      assertThat(entry.value().leaderEpoch()).isEqualTo(version >= 3 ? 7 : -1);
      assertThat(entry.value().expireTimestampMs()).isEqualTo(version == 1 ? 5678 : -1);
    }

    for (short version = 0; version <= 3; version++) {
      GroupMetadataValue kafka =
          new GroupMetadataValue()
              .setProtocolType("consumer")
              .setGeneration(3)
              .setProtocol("range")
              .setLeader("m-1")
              .setMembers(
                  List.of(
                      new GroupMetadataValue.MemberMetadata()
                          .setMemberId("m-1")
                          .setClientId("c")
                          .setClientHost("/h")
                          .setRebalanceTimeout(30_000)
                          .setSessionTimeout(10_000)
                          .setSubscription(new byte[] {1})
                          .setAssignment(new byte[] {2})));
      if (version >= 2) {
        kafka.setCurrentStateTimestamp(55);
      }
      GroupEntry entry =
          (GroupEntry)
              OffsetsTopicFormat.decode(
                  ByteBuffer.wrap(
                      MessageUtil.toVersionPrefixedBytes(
                          (short) 2, new GroupMetadataKey().setGroup("g"))),
                  ByteBuffer.wrap(MessageUtil.toVersionPrefixedBytes(version, kafka)));
      assertThat(entry.value().generation()).as("v" + version).isEqualTo(3);
      assertThat(entry.value().members().get(0).assignment()).containsExactly(2);
      assertThat(entry.value().members().get(0).rebalanceTimeoutMs())
          .isEqualTo(version >= 1 ? 30_000 : 10_000);
      assertThat(entry.value().stateTimestampMs()).isEqualTo(version >= 2 ? 55 : -1);
    }
  }
}
