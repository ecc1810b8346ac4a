package dev.eventshop.broker.group;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.apache.kafka.common.TopicPartition;

/**
 * The keys and values of {@code __consumer_offsets} records. The layout is the one Apache Kafka
 * writes, so Kafka's own tools can decode our partitions (for example {@code kafka-dump-log.sh
 * --offsets-decoder}). Every key and value starts with a big-endian int16 version; strings are an
 * int16 length and UTF-8 bytes (length -1: null), byte arrays an int32 length and the bytes.
 *
 * <pre>
 * Offset commit key, version 1 (version 0 is read too, same layout):
 *   version int16, group string, topic string, partition int32
 * Offset commit value, version 3 (written unless the client asked for its own retention):
 *   version int16, offset int64, leaderEpoch int32, metadata string, commitTimestamp int64
 * Offset commit value, version 1 (written when OffsetCommit v2-v4 carried a retention time):
 *   version int16, offset int64, metadata string, commitTimestamp int64, expireTimestamp int64
 *   (version 0 and 2 are read too: offset, metadata, commitTimestamp)
 *
 * Group metadata key, version 2:
 *   version int16, group string
 * Group metadata value, version 3 (versions 0-2 are read too, lacking the marked fields):
 *   version int16, protocolType string, generation int32, protocol nullable string,
 *   leader nullable string, currentStateTimestamp int64 (v2+),
 *   members int32 count, each: memberId string, groupInstanceId nullable string (v3+),
 *     clientId string, clientHost string, rebalanceTimeout int32 (v1+), sessionTimeout int32,
 *     subscription bytes, assignment bytes
 * </pre>
 *
 * Keys of versions 3 to 8 and 16 are the records of consumer groups (KIP-848), in {@link
 * ConsumerGroupRecords}.
 *
 * <p>A null value is a tombstone: the offset or the group was deleted, and compaction drops the
 * key. Stateless and thread-safe.
 */
final class OffsetsTopicFormat {

  private OffsetsTopicFormat() {}

  /** What one record of the topic says; {@code value == null} for a tombstone. */
  sealed interface Entry permits OffsetEntry, GroupEntry, ConsumerGroupEntry {}

  record OffsetEntry(String groupId, TopicPartition partition, CommittedOffset value)
      implements Entry {}

  record GroupEntry(String groupId, GroupSnapshot value) implements Entry {}

  /** A record of a consumer group (KIP-848): see {@link ConsumerGroupRecords}. */
  record ConsumerGroupEntry(ConsumerGroupRecords.Entry record) implements Entry {}

  /** A group's persisted metadata: what a coordinator needs to resume after a restart. */
  record GroupSnapshot(
      String protocolType,
      int generation,
      String protocolName,
      String leaderId,
      long stateTimestampMs,
      List<MemberSnapshot> members) {}

  record MemberSnapshot(
      String memberId,
      String groupInstanceId,
      String clientId,
      String clientHost,
      int rebalanceTimeoutMs,
      int sessionTimeoutMs,
      byte[] subscription,
      byte[] assignment) {}

  static final short OFFSET_KEY_VERSION = 1;
  static final short GROUP_KEY_VERSION = 2;
  static final short OFFSET_VALUE_VERSION = 3;
  static final short OFFSET_VALUE_WITH_EXPIRY_VERSION = 1;
  static final short GROUP_VALUE_VERSION = 3;

  static byte[] offsetKey(String groupId, TopicPartition tp) {
    RecordWriter w = new RecordWriter();
    w.int16(OFFSET_KEY_VERSION).string(groupId).string(tp.topic()).int32(tp.partition());
    return w.toBytes();
  }

  static byte[] offsetValue(CommittedOffset o) {
    RecordWriter w = new RecordWriter();
    if (o.expireTimestampMs() >= 0) {
      w.int16(OFFSET_VALUE_WITH_EXPIRY_VERSION)
          .int64(o.offset())
          .string(o.metadata())
          .int64(o.commitTimestampMs())
          .int64(o.expireTimestampMs());
    } else {
      w.int16(OFFSET_VALUE_VERSION)
          .int64(o.offset())
          .int32(o.leaderEpoch())
          .string(o.metadata())
          .int64(o.commitTimestampMs());
    }
    return w.toBytes();
  }

  static byte[] groupKey(String groupId) {
    return new RecordWriter().int16(GROUP_KEY_VERSION).string(groupId).toBytes();
  }

  static byte[] groupValue(GroupSnapshot g) {
    RecordWriter w = new RecordWriter();
    w.int16(GROUP_VALUE_VERSION)
        .string(g.protocolType() == null ? "" : g.protocolType())
        .int32(g.generation())
        .string(g.protocolName())
        .string(g.leaderId())
        .int64(g.stateTimestampMs())
        .int32(g.members().size());
    for (MemberSnapshot m : g.members()) {
      w.string(m.memberId())
          .string(m.groupInstanceId())
          .string(m.clientId())
          .string(m.clientHost())
          .int32(m.rebalanceTimeoutMs())
          .int32(m.sessionTimeoutMs())
          .bytes(m.subscription())
          .bytes(m.assignment());
    }
    return w.toBytes();
  }

  /**
   * Decodes one record.
   *
   * @throws IllegalArgumentException for a key or value version this broker does not know
   */
  static Entry decode(ByteBuffer key, ByteBuffer value) {
    ByteBuffer k = key.duplicate();
    short keyVersion = k.getShort();
    switch (keyVersion) {
      case 0, 1 -> {
        String group = readString(k);
        String topic = readString(k);
        int partition = k.getInt();
        return new OffsetEntry(
            group, new TopicPartition(topic, partition), value == null ? null : offset(value));
      }
      case 2 -> {
        String group = readString(k);
        return new GroupEntry(group, value == null ? null : group(value));
      }
      default -> {
        if (ConsumerGroupRecords.isConsumerGroupRecord(keyVersion)) {
          return new ConsumerGroupEntry(ConsumerGroupRecords.decode(keyVersion, k, value));
        }
        throw new IllegalArgumentException("unknown key version " + keyVersion);
      }
    }
  }

  private static CommittedOffset offset(ByteBuffer value) {
    ByteBuffer v = value.duplicate();
    short version = v.getShort();
    return switch (version) {
      case 0, 2 -> new CommittedOffset(v.getLong(), -1, readString(v), v.getLong(), -1);
      case 1 -> new CommittedOffset(v.getLong(), -1, readString(v), v.getLong(), v.getLong());
      case 3 -> {
        long offset = v.getLong();
        int epoch = v.getInt();
        yield new CommittedOffset(offset, epoch, readString(v), v.getLong(), -1);
      }
      default -> throw new IllegalArgumentException("unknown offset value version " + version);
    };
  }

  private static GroupSnapshot group(ByteBuffer value) {
    ByteBuffer v = value.duplicate();
    short version = v.getShort();
    if (version < 0 || version > 3) {
      throw new IllegalArgumentException("unknown group value version " + version);
    }
    String protocolType = readString(v);
    int generation = v.getInt();
    String protocol = readString(v);
    String leader = readString(v);
    long stateTimestamp = version >= 2 ? v.getLong() : -1;
    int count = v.getInt();
    List<MemberSnapshot> members = new ArrayList<>(Math.max(0, count));
    for (int i = 0; i < count; i++) {
      String memberId = readString(v);
      String instanceId = version >= 3 ? readString(v) : null;
      String clientId = readString(v);
      String clientHost = readString(v);
      int rebalanceTimeout = version >= 1 ? v.getInt() : -1;
      int sessionTimeout = v.getInt();
      if (rebalanceTimeout < 0) {
        rebalanceTimeout = sessionTimeout;
      }
      members.add(
          new MemberSnapshot(
              memberId,
              instanceId,
              clientId,
              clientHost,
              rebalanceTimeout,
              sessionTimeout,
              readBytes(v),
              readBytes(v)));
    }
    return new GroupSnapshot(
        protocolType.isEmpty() ? null : protocolType,
        generation,
        protocol,
        leader,
        stateTimestamp,
        members);
  }

  private static String readString(ByteBuffer b) {
    short length = b.getShort();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static byte[] readBytes(ByteBuffer b) {
    int length = b.getInt();
    if (length < 0) {
      return new byte[0];
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return bytes;
  }
}
