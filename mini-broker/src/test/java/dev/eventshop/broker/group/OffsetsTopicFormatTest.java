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

  // ------------------------------------------------------------------ consumer groups (KIP-848)

  static final org.apache.kafka.common.Uuid ORDERS = org.apache.kafka.common.Uuid.randomUuid();

  /** Our record's key after its type, and its value after its version, as Kafka reads them. */
  static ByteBuffer[] split(org.apache.kafka.common.record.SimpleRecord record, short type) {
    ByteBuffer key = record.key().duplicate();
    assertThat(key.getShort()).as("record type").isEqualTo(type);
    ByteBuffer value = record.value() == null ? null : record.value().duplicate();
    if (value != null) {
      assertThat(value.getShort()).as("value version").isEqualTo((short) 0);
    }
    return new ByteBuffer[] {key, value};
  }

  @Test
  void kafkaReadsOurConsumerGroupRecords() {
    ByteBuffer[] epoch = split(ConsumerGroupRecords.groupEpoch("billing", 7, 1), (short) 3);
    assertThat(
            new org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataKey(
                    new ByteBufferAccessor(epoch[0]), (short) 0)
                .groupId())
        .isEqualTo("billing");
    assertThat(
            new org.apache.kafka.coordinator.group.generated.ConsumerGroupMetadataValue(
                    new ByteBufferAccessor(epoch[1]), (short) 0)
                .epoch())
        .isEqualTo(7);

    ConsumerGroupRecords.MemberMetadata metadata =
        new ConsumerGroupRecords.MemberMetadata(
            "pod-a",
            null,
            "client-1",
            "/127.0.0.1",
            List.of("orders", "refunds"),
            "pay.*",
            30000,
            "range",
            null);
    ByteBuffer[] member =
        split(ConsumerGroupRecords.memberMetadata("billing", "m-1", metadata, 1), (short) 5);
    var k =
        new org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataKey(
            new ByteBufferAccessor(member[0]), (short) 0);
    assertThat(k.groupId()).isEqualTo("billing");
    assertThat(k.memberId()).isEqualTo("m-1");
    var v =
        new org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataValue(
            new ByteBufferAccessor(member[1]), (short) 0);
    assertThat(v.instanceId()).isEqualTo("pod-a");
    assertThat(v.rackId()).isNull();
    assertThat(v.clientId()).isEqualTo("client-1");
    assertThat(v.clientHost()).isEqualTo("/127.0.0.1");
    assertThat(v.subscribedTopicNames()).containsExactly("orders", "refunds");
    assertThat(v.subscribedTopicRegex()).isEqualTo("pay.*");
    assertThat(v.rebalanceTimeoutMs()).isEqualTo(30000);
    assertThat(v.serverAssignor()).isEqualTo("range");
    assertThat(v.classicMemberMetadata().supportedProtocols()).isEmpty(); // no tagged field
    assertThat(member[1].hasRemaining()).isFalse();

    // A classic member of a consumer group (KIP-848's online migration): tagged field 0.
    ConsumerMember.ClassicMetadata classic =
        new ConsumerMember.ClassicMetadata(
            10000,
            List.of(
                new GroupMember.Protocol("range", new byte[] {0, 1, 2}),
                new GroupMember.Protocol("cooperative-sticky", new byte[] {3})));
    ByteBuffer[] classicMember =
        split(
            ConsumerGroupRecords.memberMetadata(
                "billing",
                "m-9",
                new ConsumerGroupRecords.MemberMetadata(
                    null, null, "c", "/h", List.of("orders"), null, 30000, null, classic),
                1),
            (short) 5);
    var cv =
        new org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataValue(
            new ByteBufferAccessor(classicMember[1]), (short) 0);
    assertThat(cv.classicMemberMetadata().sessionTimeoutMs()).isEqualTo(10000);
    assertThat(cv.classicMemberMetadata().supportedProtocols())
        .extracting(p -> p.name() + ":" + java.util.Arrays.toString(p.metadata()))
        .containsExactly("range:[0, 1, 2]", "cooperative-sticky:[3]");
    assertThat(classicMember[1].hasRemaining()).isFalse();

    Assignment assigned = Assignment.of(java.util.Map.of(ORDERS, List.of(0, 2)));
    Assignment revoking = Assignment.of(java.util.Map.of(ORDERS, List.of(1)));
    ByteBuffer[] current =
        split(
            ConsumerGroupRecords.currentAssignment(
                "billing",
                "m-1",
                new ConsumerGroupRecords.CurrentAssignment(
                    5, 4, ConsumerMember.State.UNREVOKED_PARTITIONS, assigned, revoking),
                1),
            (short) 8);
    var c =
        new org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentValue(
            new ByteBufferAccessor(current[1]), (short) 0);
    assertThat(c.memberEpoch()).isEqualTo(5);
    assertThat(c.previousMemberEpoch()).isEqualTo(4);
    assertThat(c.state()).isEqualTo((byte) 1);
    assertThat(c.assignedPartitions())
        .singleElement()
        .satisfies(
            t -> {
              assertThat(t.topicId()).isEqualTo(ORDERS);
              assertThat(t.partitions()).containsExactly(0, 2);
            });
    assertThat(c.partitionsPendingRevocation().get(0).partitions()).containsExactly(1);

    ByteBuffer[] target =
        split(ConsumerGroupRecords.targetMember("billing", "m-1", assigned, 1), (short) 7);
    var t =
        new org.apache.kafka.coordinator.group.generated.ConsumerGroupTargetAssignmentMemberValue(
            new ByteBufferAccessor(target[1]), (short) 0);
    assertThat(t.topicPartitions().get(0).partitions()).containsExactly(0, 2);
    ByteBuffer[] targetEpoch = split(ConsumerGroupRecords.targetEpoch("billing", 5, 1), (short) 6);
    assertThat(
            new org.apache.kafka.coordinator.group.generated
                    .ConsumerGroupTargetAssignmentMetadataValue(
                    new ByteBufferAccessor(targetEpoch[1]), (short) 0)
                .assignmentEpoch())
        .isEqualTo(5);

    assertThat(ConsumerGroupRecords.groupEpoch("billing", null, 1).value()).isNull();
  }

  @Test
  void weReadKafkasConsumerGroupRecords() {
    var value =
        new org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataValue()
            .setInstanceId(null)
            .setRackId("rack-1")
            .setClientId("c")
            .setClientHost("/10.0.0.1")
            .setSubscribedTopicNames(List.of("orders"))
            .setSubscribedTopicRegex(null)
            .setRebalanceTimeoutMs(45000)
            .setServerAssignor(null)
            .setClassicMemberMetadata(
                new org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataValue
                        .ClassicMemberMetadata()
                    .setSessionTimeoutMs(10000)
                    .setSupportedProtocols(
                        List.of(
                            new org.apache.kafka.coordinator.group.generated
                                    .ConsumerGroupMemberMetadataValue.ClassicProtocol()
                                .setName("range")
                                .setMetadata(new byte[] {7, 8}))));
    ByteBuffer key =
        MessageUtil.toVersionPrefixedByteBuffer(
            (short) 5,
            new org.apache.kafka.coordinator.group.generated.ConsumerGroupMemberMetadataKey()
                .setGroupId("billing")
                .setMemberId("m-2"));
    ByteBuffer bytes = MessageUtil.toVersionPrefixedByteBuffer((short) 0, value);

    OffsetsTopicFormat.Entry entry = OffsetsTopicFormat.decode(key, bytes);

    ConsumerGroupRecords.Entry record = ((OffsetsTopicFormat.ConsumerGroupEntry) entry).record();
    assertThat(record.key()).isEqualTo(new ConsumerGroupRecords.Key((short) 5, "billing", "m-2"));
    assertThat(record.value())
        .isEqualTo(
            new ConsumerGroupRecords.MemberMetadata(
                null,
                "rack-1",
                "c",
                "/10.0.0.1",
                List.of("orders"),
                null,
                45000,
                null,
                new ConsumerMember.ClassicMetadata(
                    10000, List.of(new GroupMember.Protocol("range", new byte[] {7, 8})))));

    var current =
        new org.apache.kafka.coordinator.group.generated.ConsumerGroupCurrentMemberAssignmentValue()
            .setMemberEpoch(3)
            .setPreviousMemberEpoch(2)
            .setState((byte) 2)
            .setAssignedPartitions(
                List.of(
                    new org.apache.kafka.coordinator.group.generated
                            .ConsumerGroupCurrentMemberAssignmentValue.TopicPartitions()
                        .setTopicId(ORDERS)
                        .setPartitions(List.of(3, 4))))
            .setPartitionsPendingRevocation(List.of());
    ByteBuffer currentKey =
        MessageUtil.toVersionPrefixedByteBuffer(
            (short) 8,
            new org.apache.kafka.coordinator.group.generated
                    .ConsumerGroupCurrentMemberAssignmentKey()
                .setGroupId("billing")
                .setMemberId("m-2"));
    ConsumerGroupRecords.Entry decoded =
        ((OffsetsTopicFormat.ConsumerGroupEntry)
                OffsetsTopicFormat.decode(
                    currentKey, MessageUtil.toVersionPrefixedByteBuffer((short) 0, current)))
            .record();
    assertThat(decoded.value())
        .isEqualTo(
            new ConsumerGroupRecords.CurrentAssignment(
                3,
                2,
                ConsumerMember.State.UNRELEASED_PARTITIONS,
                Assignment.of(java.util.Map.of(ORDERS, List.of(3, 4))),
                Assignment.EMPTY));
  }
}
