package dev.eventshop.broker.transaction;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.record.RecordBatch;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * Records of {@code __transaction_state} in Kafka's format, so that Kafka's tools can read them:
 * the key is {@code TransactionLogKey} version 0 (the transactional id), the value {@code
 * TransactionLogValue} (producer id and epoch, timeout, state, partitions and two timestamps); a
 * null value (tombstone) removes an expired transactional id.
 *
 * <p>The value is written at version 0 while the cluster's {@code transaction.version} is 0 and at
 * version 1, Kafka's first flexible version, from level 1 on, as Kafka writes it: compact strings
 * and arrays, and the client's transaction version (0, or 2 for a transaction of KIP-890's epoch
 * bumps) in tagged field 2. Tagged fields 0 and 1, the previous and next producer id of a
 * transaction that ran out of epochs, are written too, where Kafka declares but does not write
 * them: a coordinator that takes over a transaction preparing to end at the last epoch must know
 * the producer id it moves to. Kafka's reader takes them; other tagged fields are skipped.
 */
final class TransactionStateFormat {

  private static final short KEY_VERSION = 0;
  private static final short VALUE_VERSION_0 = 0;
  private static final short VALUE_VERSION_1 = 1;
  private static final int PREVIOUS_PRODUCER_ID_TAG = 0;
  private static final int NEXT_PRODUCER_ID_TAG = 1;
  private static final int CLIENT_TRANSACTION_VERSION_TAG = 2;

  /** What one record says about a transactional id. */
  record Snapshot(
      long producerId,
      short producerEpoch,
      int timeoutMs,
      TransactionState state,
      Set<TopicPartition> partitions,
      long lastUpdateTimestampMs,
      long startTimestampMs,
      short clientTransactionVersion,
      long previousProducerId,
      long nextProducerId) {}

  /** The value version Kafka writes at the cluster's {@code transaction.version}. */
  static short valueVersion(short transactionVersion) {
    return transactionVersion >= 1 ? VALUE_VERSION_1 : VALUE_VERSION_0;
  }

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

  /** The value of {@code s} at {@code version} (0 or 1, see {@link #valueVersion}). */
  static byte[] value(Snapshot s, short version) {
    if (version != VALUE_VERSION_0 && version != VALUE_VERSION_1) {
      throw new IllegalArgumentException("unknown transaction log value version " + version);
    }
    boolean flexible = version == VALUE_VERSION_1;
    Map<String, List<Integer>> byTopic = TransactionApis.partitionsByTopic(s.partitions());
    // Upper bound: varints take at most 5 bytes where fixed lengths take 2 or 4.
    int size = 2 + 8 + 2 + 4 + 1 + 5 + 8 + 8 + 1 + 3 * (1 + 1) + 8 + 8 + 2;
    for (Map.Entry<String, List<Integer>> e : byTopic.entrySet()) {
      size += 5 + e.getKey().getBytes(StandardCharsets.UTF_8).length + 5 + 4 * e.getValue().size();
      size += 1;
    }
    ByteBuffer b =
        ByteBuffer.allocate(size)
            .putShort(version)
            .putLong(s.producerId())
            .putShort(s.producerEpoch())
            .putInt(s.timeoutMs())
            .put(s.state().id());
    if (s.state() == TransactionState.EMPTY && byTopic.isEmpty()) {
      // Kafka writes no partition array for an empty transaction
      writeLength(b, flexible, -1);
    } else {
      writeLength(b, flexible, byTopic.size());
      byTopic.forEach(
          (topic, partitions) -> {
            byte[] name = topic.getBytes(StandardCharsets.UTF_8);
            if (flexible) {
              ByteUtils.writeUnsignedVarint(name.length + 1, b);
            } else {
              b.putShort((short) name.length);
            }
            b.put(name);
            writeLength(b, flexible, partitions.size());
            partitions.forEach(b::putInt);
            if (flexible) {
              ByteUtils.writeUnsignedVarint(0, b); // the topic's tagged fields: none
            }
          });
    }
    b.putLong(s.lastUpdateTimestampMs()).putLong(s.startTimestampMs());
    if (flexible) {
      // Tagged fields in tag order; one at its default is left out.
      boolean previous = s.previousProducerId() != RecordBatch.NO_PRODUCER_ID;
      boolean next = s.nextProducerId() != RecordBatch.NO_PRODUCER_ID;
      boolean clientVersion = s.clientTransactionVersion() != 0;
      ByteUtils.writeUnsignedVarint(
          (previous ? 1 : 0) + (next ? 1 : 0) + (clientVersion ? 1 : 0), b);
      if (previous) {
        ByteUtils.writeUnsignedVarint(PREVIOUS_PRODUCER_ID_TAG, b);
        ByteUtils.writeUnsignedVarint(8, b);
        b.putLong(s.previousProducerId());
      }
      if (next) {
        ByteUtils.writeUnsignedVarint(NEXT_PRODUCER_ID_TAG, b);
        ByteUtils.writeUnsignedVarint(8, b);
        b.putLong(s.nextProducerId());
      }
      if (clientVersion) {
        ByteUtils.writeUnsignedVarint(CLIENT_TRANSACTION_VERSION_TAG, b);
        ByteUtils.writeUnsignedVarint(2, b);
        b.putShort(s.clientTransactionVersion());
      }
    }
    return java.util.Arrays.copyOf(b.array(), b.position());
  }

  /** An array's length: an int32 (-1 for null) before flexible versions, then length + 1. */
  private static void writeLength(ByteBuffer b, boolean flexible, int length) {
    if (flexible) {
      ByteUtils.writeUnsignedVarint(length + 1, b);
    } else {
      b.putInt(length);
    }
  }

  private static int readLength(ByteBuffer b, boolean flexible) {
    return flexible ? ByteUtils.readUnsignedVarint(b) - 1 : b.getInt();
  }

  static Snapshot decode(ByteBuffer value) {
    ByteBuffer b = value.duplicate();
    short version = b.getShort();
    if (version != VALUE_VERSION_0 && version != VALUE_VERSION_1) {
      throw new IllegalArgumentException("unsupported transaction log value version " + version);
    }
    boolean flexible = version == VALUE_VERSION_1;
    long producerId = b.getLong();
    short epoch = b.getShort();
    int timeoutMs = b.getInt();
    TransactionState state = TransactionState.of(b.get());
    Set<TopicPartition> partitions = new java.util.LinkedHashSet<>();
    int topics = readLength(b, flexible);
    for (int i = 0; i < topics; i++) {
      String topic = flexible ? readCompactString(b) : readString(b);
      int n = readLength(b, flexible);
      for (int j = 0; j < n; j++) {
        partitions.add(new TopicPartition(topic, b.getInt()));
      }
      if (flexible) {
        skipTaggedFields(b, tag -> false);
      }
    }
    long lastUpdate = b.getLong();
    long start = b.getLong();
    short[] clientVersion = {0};
    long[] ids = {RecordBatch.NO_PRODUCER_ID, RecordBatch.NO_PRODUCER_ID};
    if (flexible) {
      skipTaggedFields(
          b,
          tag -> {
            switch (tag) {
              case PREVIOUS_PRODUCER_ID_TAG, NEXT_PRODUCER_ID_TAG -> ids[tag] = b.getLong();
              case CLIENT_TRANSACTION_VERSION_TAG -> clientVersion[0] = b.getShort();
              default -> {
                return false;
              }
            }
            return true;
          });
    }
    return new Snapshot(
        producerId,
        epoch,
        timeoutMs,
        state,
        partitions,
        lastUpdate,
        start,
        clientVersion[0],
        ids[PREVIOUS_PRODUCER_ID_TAG],
        ids[NEXT_PRODUCER_ID_TAG]);
  }

  /**
   * Reads a tagged-field section: {@code read} consumes a field it knows (returning true), the
   * others are skipped by their size.
   */
  private static void skipTaggedFields(ByteBuffer b, java.util.function.IntPredicate read) {
    int fields = ByteUtils.readUnsignedVarint(b);
    for (int i = 0; i < fields; i++) {
      int tag = ByteUtils.readUnsignedVarint(b);
      int size = ByteUtils.readUnsignedVarint(b);
      int end = b.position() + size;
      if (!read.test(tag)) {
        b.position(end);
      } else if (b.position() != end) {
        throw new IllegalArgumentException("tagged field " + tag + " is not " + size + " bytes");
      }
    }
  }

  private static String readCompactString(ByteBuffer b) {
    int length = ByteUtils.readUnsignedVarint(b) - 1;
    if (length < 0) {
      throw new IllegalArgumentException("null string");
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
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
