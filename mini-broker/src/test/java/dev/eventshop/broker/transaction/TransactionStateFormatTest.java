package dev.eventshop.broker.transaction;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.broker.transaction.TransactionStateFormat.Snapshot;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.protocol.ByteBufferAccessor;
import org.apache.kafka.common.protocol.MessageUtil;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogKey;
import org.apache.kafka.coordinator.transaction.generated.TransactionLogValue;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Records of {@code __transaction_state} round-trip through our format and are byte for byte what
 * Kafka's generated {@code TransactionLogKey} and {@code TransactionLogValue} write, the value at
 * version 0 and at version 1 (flexible, with the client's transaction version in a tagged field).
 */
class TransactionStateFormatTest {

  static final short VERSION_0 = 0;
  static final short VERSION_1 = 1;

  /** A record for each state as the coordinator writes it: EMPTY has no partitions. */
  static Snapshot snapshotIn(TransactionState state) {
    return snapshotIn(state, (short) 0);
  }

  static Snapshot snapshotIn(TransactionState state, short clientTransactionVersion) {
    Set<TopicPartition> partitions = new LinkedHashSet<>();
    if (state != TransactionState.EMPTY) {
      partitions.add(new TopicPartition("orders", 2));
      partitions.add(new TopicPartition("__consumer_offsets", 17));
      partitions.add(new TopicPartition("orders", 0));
      partitions.add(new TopicPartition("payments-é", 5));
    }
    return new Snapshot(
        4_000_000_001L,
        (short) 7,
        60_000,
        state,
        partitions,
        1_700_000_000_500L,
        state == TransactionState.EMPTY ? -1 : 1_700_000_000_000L,
        clientTransactionVersion,
        RecordBatch.NO_PRODUCER_ID,
        RecordBatch.NO_PRODUCER_ID);
  }

  @ParameterizedTest
  @EnumSource(TransactionState.class)
  void everyStateRoundTrips(TransactionState state) {
    Snapshot snapshot = snapshotIn(state);

    Snapshot decoded = TransactionStateFormat.decode(ByteBuffer.wrap(value(snapshot)));

    assertThat(decoded).isEqualTo(snapshot);
  }

  @ParameterizedTest
  @ValueSource(strings = {"checkout", "", "paiement-ünïcode-✓"})
  void keysRoundTripAndAreKafkasTransactionLogKeyVersion0(String transactionalId) {
    byte[] ours = TransactionStateFormat.key(transactionalId);
    byte[] kafkas =
        MessageUtil.toVersionPrefixedBytes(
            VERSION_0, new TransactionLogKey().setTransactionalId(transactionalId));

    assertThat(ours).isEqualTo(kafkas);
    assertThat(TransactionStateFormat.transactionalId(ByteBuffer.wrap(ours)))
        .isEqualTo(transactionalId);
    ByteBuffer buffer = ByteBuffer.wrap(ours);
    assertThat(buffer.getShort()).isEqualTo(VERSION_0);
    assertThat(new TransactionLogKey(new ByteBufferAccessor(buffer), VERSION_0).transactionalId())
        .isEqualTo(transactionalId);
  }

  @ParameterizedTest
  @EnumSource(TransactionState.class)
  void kafkaReadsOurValuesAtVersion0(TransactionState state) {
    Snapshot snapshot = snapshotIn(state);
    ByteBuffer buffer = ByteBuffer.wrap(value(snapshot));

    assertThat(buffer.getShort()).isEqualTo(VERSION_0);
    TransactionLogValue read = new TransactionLogValue(new ByteBufferAccessor(buffer), VERSION_0);

    assertThat(buffer.hasRemaining()).as("Kafka read every byte").isFalse();
    assertThat(read.producerId()).isEqualTo(snapshot.producerId());
    assertThat(read.producerEpoch()).isEqualTo(snapshot.producerEpoch());
    assertThat(read.transactionTimeoutMs()).isEqualTo(snapshot.timeoutMs());
    assertThat(read.transactionStatus()).isEqualTo(state.id());
    assertThat(read.transactionLastUpdateTimestampMs()).isEqualTo(snapshot.lastUpdateTimestampMs());
    assertThat(read.transactionStartTimestampMs()).isEqualTo(snapshot.startTimestampMs());
    if (state == TransactionState.EMPTY) {
      assertThat(read.transactionPartitions()).as("Kafka writes null for EMPTY").isNull();
    } else {
      Set<TopicPartition> partitions = new LinkedHashSet<>();
      read.transactionPartitions()
          .forEach(
              topic ->
                  topic
                      .partitionIds()
                      .forEach(p -> partitions.add(new TopicPartition(topic.topic(), p))));
      assertThat(partitions).containsExactlyInAnyOrderElementsOf(snapshot.partitions());
    }
  }

  @ParameterizedTest
  @EnumSource(TransactionState.class)
  void weReadKafkasValuesAtVersion0AndWriteTheSameBytes(TransactionState state) {
    Snapshot snapshot = snapshotIn(state);
    byte[] kafkas = MessageUtil.toVersionPrefixedBytes(VERSION_0, kafkaValueOf(snapshot));

    assertThat(TransactionStateFormat.decode(ByteBuffer.wrap(kafkas))).isEqualTo(snapshot);
    assertThat(value(snapshot)).isEqualTo(kafkas);
  }

  @ParameterizedTest
  @EnumSource(TransactionState.class)
  void version1RoundTripsAndIsWhatKafkaWrites(TransactionState state) {
    for (short clientVersion : new short[] {0, 2}) {
      Snapshot snapshot = snapshotIn(state, clientVersion);
      byte[] ours = TransactionStateFormat.value(snapshot, VERSION_1);
      byte[] kafkas =
          MessageUtil.toVersionPrefixedBytes(
              VERSION_1, kafkaValueOf(snapshot).setClientTransactionVersion(clientVersion));

      assertThat(ours).isEqualTo(kafkas);
      assertThat(TransactionStateFormat.decode(ByteBuffer.wrap(ours))).isEqualTo(snapshot);
      ByteBuffer buffer = ByteBuffer.wrap(ours);
      assertThat(buffer.getShort()).isEqualTo(VERSION_1);
      TransactionLogValue read = new TransactionLogValue(new ByteBufferAccessor(buffer), VERSION_1);
      assertThat(buffer.hasRemaining()).as("Kafka read every byte").isFalse();
      assertThat(read.clientTransactionVersion()).isEqualTo(clientVersion);
      assertThat(read.producerEpoch()).isEqualTo(snapshot.producerEpoch());
    }
  }

  @Test
  void version1KeepsTheProducerIdsOfAMoveToANewIdAndSkipsOtherTaggedFields() {
    Snapshot base = snapshotIn(TransactionState.PREPARE_COMMIT, (short) 2);
    Snapshot moving =
        new Snapshot(
            base.producerId(),
            Short.MAX_VALUE,
            base.timeoutMs(),
            base.state(),
            base.partitions(),
            base.lastUpdateTimestampMs(),
            base.startTimestampMs(),
            (short) 2,
            17,
            18);
    byte[] ours = TransactionStateFormat.value(moving, VERSION_1);
    TransactionLogValue kafkas =
        kafkaValueOf(moving)
            .setClientTransactionVersion((short) 2)
            .setPreviousProducerId(17)
            .setNextProducerId(18);
    assertThat(ours).isEqualTo(MessageUtil.toVersionPrefixedBytes(VERSION_1, kafkas));
    assertThat(TransactionStateFormat.decode(ByteBuffer.wrap(ours))).isEqualTo(moving);

    byte[] withEpoch =
        MessageUtil.toVersionPrefixedBytes(VERSION_1, kafkas.setNextProducerEpoch((short) 3));
    assertThat(TransactionStateFormat.decode(ByteBuffer.wrap(withEpoch))).isEqualTo(moving);
  }

  @Test
  void theValueVersionFollowsTheClustersTransactionVersion() {
    assertThat(TransactionStateFormat.valueVersion((short) 0)).isEqualTo(VERSION_0);
    assertThat(TransactionStateFormat.valueVersion((short) 1)).isEqualTo(VERSION_1);
    assertThat(TransactionStateFormat.valueVersion((short) 2)).isEqualTo(VERSION_1);
  }

  @ParameterizedTest
  @ValueSource(shorts = {2, 3})
  void otherVersionsAreRefusedRatherThanMisread(short version) {
    ByteBuffer value = ByteBuffer.wrap(value(snapshotIn(TransactionState.ONGOING)));
    value.putShort(0, version);
    ByteBuffer key = ByteBuffer.wrap(TransactionStateFormat.key("checkout"));
    key.putShort(0, (short) (version - 1));

    assertThatThrownBy(() -> TransactionStateFormat.decode(value))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> TransactionStateFormat.transactionalId(key))
        .isInstanceOf(IllegalArgumentException.class);
  }

  static byte[] value(Snapshot snapshot) {
    return TransactionStateFormat.value(snapshot, VERSION_0);
  }

  /** The value as Kafka's coordinator builds it: topics in order, null partitions when EMPTY. */
  static TransactionLogValue kafkaValueOf(Snapshot s) {
    List<TransactionLogValue.PartitionsSchema> topics = null;
    if (s.state() != TransactionState.EMPTY) {
      Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
      s.partitions().stream()
          .sorted(
              java.util.Comparator.comparing(TopicPartition::topic)
                  .thenComparingInt(TopicPartition::partition))
          .forEach(
              tp ->
                  byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition()));
      topics = new ArrayList<>();
      for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
        topics.add(
            new TransactionLogValue.PartitionsSchema()
                .setTopic(e.getKey())
                .setPartitionIds(e.getValue()));
      }
    }
    return new TransactionLogValue()
        .setProducerId(s.producerId())
        .setProducerEpoch(s.producerEpoch())
        .setTransactionTimeoutMs(s.timeoutMs())
        .setTransactionStatus(s.state().id())
        .setTransactionPartitions(topics)
        .setTransactionLastUpdateTimestampMs(s.lastUpdateTimestampMs())
        .setTransactionStartTimestampMs(s.startTimestampMs());
  }
}
