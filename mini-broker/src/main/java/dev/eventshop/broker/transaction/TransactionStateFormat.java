package dev.eventshop.broker.transaction;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;

/**
 * Records of {@code __transaction_state} in Kafka's format, so that Kafka's tools can read them:
 * the key is {@code TransactionLogKey} version 0 (the transactional id), the value {@code
 * TransactionLogValue} version 0 (producer id and epoch, timeout, state, partitions and two
 * timestamps); a null value (tombstone) removes an expired transactional id.
 */
final class TransactionStateFormat {

  private static final short KEY_VERSION = 0;
  private static final short VALUE_VERSION = 0;

  /** What one record says about a transactional id. */
  record Snapshot(
      long producerId,
      short producerEpoch,
      int timeoutMs,
      TransactionState state,
      Set<TopicPartition> partitions,
      long lastUpdateTimestampMs,
      long startTimestampMs) {}

  private TransactionStateFormat() {}

  static byte[] key(String transactionalId) {
    byte[] id = transactionalId.getBytes(StandardCharsets.UTF_8);
    return ByteBuffer.allocate(2 + 2 + id.length)
        .putShort(KEY_VERSION)
        .putShort((short) id.length)
        .put(id)
        .array();
  }

  /** The transactional id of a key; throws for a key of another version. */
  static String transactionalId(ByteBuffer key) {
    ByteBuffer b = key.duplicate();
    short version = b.getShort();
    if (version != KEY_VERSION) {
      throw new IllegalArgumentException("unknown transaction log key version " + version);
    }
    return readString(b);
  }

  static byte[] value(Snapshot s) {
    Map<String, List<Integer>> byTopic = new LinkedHashMap<>();
    List<TopicPartition> sorted = new ArrayList<>(s.partitions());
    sorted.sort(
        Comparator.comparing(TopicPartition::topic).thenComparingInt(TopicPartition::partition));
    for (TopicPartition tp : sorted) {
      byTopic.computeIfAbsent(tp.topic(), t -> new ArrayList<>()).add(tp.partition());
    }
    int size = 2 + 8 + 2 + 4 + 1 + 4 + 8 + 8;
    for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
      size += 2 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 4 + 4 * e.getValue().size();
    }
    ByteBuffer b =
        ByteBuffer.allocate(size)
            .putShort(VALUE_VERSION)
            .putLong(s.producerId())
            .putShort(s.producerEpoch())
            .putInt(s.timeoutMs())
            .put(s.state().id());
    if (s.state() == TransactionState.EMPTY && byTopic.isEmpty()) {
      b.putInt(-1); // Kafka writes no partition array for an empty transaction
    } else {
      b.putInt(byTopic.size());
      byTopic.forEach(
          (topic, partitions) -> {
            byte[] name = topic.getBytes(StandardCharsets.UTF_8);
            b.putShort((short) name.length).put(name).putInt(partitions.size());
            partitions.forEach(b::putInt);
          });
    }
    b.putLong(s.lastUpdateTimestampMs()).putLong(s.startTimestampMs());
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  static Snapshot decode(ByteBuffer value) {
    ByteBuffer b = value.duplicate();
    short version = b.getShort();
    if (version != VALUE_VERSION) {
      throw new IllegalArgumentException("unsupported transaction log value version " + version);
    }
    long producerId = b.getLong();
    short epoch = b.getShort();
    int timeoutMs = b.getInt();
    TransactionState state = TransactionState.of(b.get());
    Set<TopicPartition> partitions = new java.util.LinkedHashSet<>();
    int topics = b.getInt();
    for (int i = 0; i < topics; i++) {
      String topic = readString(b);
      int n = b.getInt();
      for (int j = 0; j < n; j++) {
        partitions.add(new TopicPartition(topic, b.getInt()));
      }
    }
    return new Snapshot(producerId, epoch, timeoutMs, state, partitions, b.getLong(), b.getLong());
  }

  private static String readString(ByteBuffer b) {
    short length = b.getShort();
    if (length < 0) {
      throw new IllegalArgumentException("null string");
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
