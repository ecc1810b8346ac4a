package dev.eventshop.broker.group;

import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedSet;
import java.util.TreeMap;
import java.util.TreeSet;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.record.SimpleRecord;
import org.apache.kafka.common.utils.ByteUtils;

/**
 * The records that keep a consumer group (KIP-848) in {@code __consumer_offsets}, in the layout of
 * Apache Kafka 4 (its group coordinator's {@code ConsumerGroup*Key/Value} messages), so that a new
 * coordinator resumes the group where the old one stopped and Kafka's tools decode them.
 *
 * <pre>
 * Keys (not flexible): int16 record type, then group_id string, and member_id string where noted
 *   3 group epoch, 5 member metadata (+member), 6 target assignment epoch,
 *   7 a member's target assignment (+member), 8 a member's current assignment (+member)
 * Values (int16 version 0, then flexible: compact strings, compact arrays, tagged fields):
 *   3: epoch int32
 *   5: instance_id nullable, rack_id nullable, client_id, client_host, subscribed_topic_names [],
 *      subscribed_topic_regex nullable, rebalance_timeout_ms int32, server_assignor nullable
 *   6: assignment_epoch int32
 *   7: topic_partitions [topic_id uuid, partitions [int32]]
 *   8: member_epoch int32, previous_member_epoch int32, state int8 (0 stable, 1 unrevoked,
 *      2 unreleased), assigned_partitions [...], partitions_pending_revocation [...]
 * </pre>
 *
 * A null value is a tombstone. Kafka's type 4 (subscription metadata, no longer written by Kafka
 * 4.1) and 16 (resolved regular expressions) are read and ignored: this coordinator derives both
 * from the current topics. Stateless and thread-safe.
 */
final class ConsumerGroupRecords {

  private ConsumerGroupRecords() {}

  static final short GROUP_EPOCH = 3;
  static final short PARTITION_METADATA = 4;
  static final short MEMBER_METADATA = 5;
  static final short TARGET_EPOCH = 6;
  static final short TARGET_MEMBER = 7;
  static final short CURRENT_ASSIGNMENT = 8;
  static final short REGULAR_EXPRESSION = 16;

  /** Whether {@code keyVersion} is the type of a consumer group record. */
  static boolean isConsumerGroupRecord(short keyVersion) {
    return (keyVersion >= GROUP_EPOCH && keyVersion <= CURRENT_ASSIGNMENT)
        || keyVersion == REGULAR_EXPRESSION;
  }

  /** Which record: its type, group, and member ({@code null} for the group-level types). */
  record Key(short type, String groupId, String memberId) {}

  /** A decoded record; {@code value == null} for a tombstone or a type that is ignored. */
  record Entry(Key key, Object value) {}

  record MemberMetadata(
      String instanceId,
      String rackId,
      String clientId,
      String clientHost,
      List<String> subscribedTopicNames,
      String subscribedTopicRegex,
      int rebalanceTimeoutMs,
      String serverAssignor,
      ConsumerMember.ClassicMetadata classic) {

    static MemberMetadata of(ConsumerMember m) {
      return new MemberMetadata(
          m.instanceId,
          m.rackId,
          m.clientId == null ? "" : m.clientId,
          m.clientHost == null ? "" : m.clientHost,
          List.copyOf(m.subscribedTopicNames),
          m.subscribedTopicRegex,
          m.rebalanceTimeoutMs,
          m.serverAssignor,
          m.classic);
    }
  }

  record CurrentAssignment(
      int memberEpoch,
      int previousMemberEpoch,
      ConsumerMember.State state,
      Assignment assigned,
      Assignment pendingRevocation) {

    static CurrentAssignment of(ConsumerMember m) {
      return new CurrentAssignment(
          m.memberEpoch, m.previousMemberEpoch, m.state, m.assigned, m.pendingRevocation);
    }
  }

  /**
   * What of a consumer group these records keep, to write only what a change touched: the epochs,
   * and per member its metadata, target and current assignment.
   */
  record Image(
      int groupEpoch,
      int assignmentEpoch,
      Map<String, MemberMetadata> members,
      Map<String, Assignment> target,
      Map<String, CurrentAssignment> current) {

    /** {@link ConsumerGroupRecords#unknownOf} the members of these images (any may be null). */
    static Image unknown(Image... images) {
      java.util.Set<String> ids = new java.util.HashSet<>();
      for (Image image : images) {
        if (image != null) {
          ids.addAll(image.members().keySet());
        }
      }
      return unknownOf(ids);
    }

    /** The image of {@code group}, or null for a group that is not a consumer group. */
    static Image of(ConsumerGroup group) {
      if (group == null) {
        return null;
      }
      Map<String, MemberMetadata> members = new TreeMap<>();
      Map<String, CurrentAssignment> current = new TreeMap<>();
      for (ConsumerMember m : group.members()) {
        members.put(m.memberId, MemberMetadata.of(m));
        current.put(m.memberId, CurrentAssignment.of(m));
      }
      return new Image(
          group.groupEpoch, group.assignmentEpoch, members, Map.copyOf(group.target), current);
    }
  }

  /**
   * Nothing known of what the log holds but that these images' members may have records there:
   * every record of a present member differs from it, and every absent member is deleted.
   */
  static Image unknownOf(java.util.Collection<String> memberIds) {
    Map<String, MemberMetadata> members = new java.util.HashMap<>();
    memberIds.forEach(id -> members.put(id, null));
    return new Image(-1, -1, members, Map.of(), Map.of());
  }

  /**
   * The records that take the log from {@code before} to {@code after} (either null: not a consumer
   * group), in the order Kafka writes them: members' metadata, the group epoch, targets, the
   * assignment epoch, current assignments; a member that left loses all three of its records.
   */
  static List<SimpleRecord> changes(String groupId, Image before, Image after, long nowMs) {
    List<SimpleRecord> records = new ArrayList<>();
    if (before == null && after == null) {
      return records;
    }
    Image from = before != null ? before : new Image(-1, -1, Map.of(), Map.of(), Map.of());
    Map<String, MemberMetadata> afterMembers = after == null ? Map.of() : after.members();
    for (String memberId : from.members().keySet()) {
      if (!afterMembers.containsKey(memberId)) {
        records.add(memberMetadata(groupId, memberId, null, nowMs));
        records.add(targetMember(groupId, memberId, null, nowMs));
        records.add(currentAssignment(groupId, memberId, null, nowMs));
      }
    }
    if (after == null) {
      records.add(targetEpoch(groupId, null, nowMs));
      records.add(groupEpoch(groupId, null, nowMs));
      return records;
    }
    after
        .members()
        .forEach(
            (id, m) -> {
              if (!m.equals(from.members().get(id))) {
                records.add(memberMetadata(groupId, id, m, nowMs));
              }
            });
    if (after.groupEpoch() != from.groupEpoch()) {
      records.add(groupEpoch(groupId, after.groupEpoch(), nowMs));
    }
    after
        .target()
        .forEach(
            (id, a) -> {
              if (after.members().containsKey(id) && !a.equals(from.target().get(id))) {
                records.add(targetMember(groupId, id, a, nowMs));
              }
            });
    if (after.assignmentEpoch() != from.assignmentEpoch()) {
      records.add(targetEpoch(groupId, after.assignmentEpoch(), nowMs));
    }
    after
        .current()
        .forEach(
            (id, c) -> {
              if (!c.equals(from.current().get(id))) {
                records.add(currentAssignment(groupId, id, c, nowMs));
              }
            });
    return records;
  }

  // ---------------------------------------------------------------- writing

  static SimpleRecord groupEpoch(String groupId, Integer epoch, long nowMs) {
    return record(
        new Key(GROUP_EPOCH, groupId, null),
        epoch == null ? null : value().int32(epoch).noTags(),
        nowMs);
  }

  static SimpleRecord targetEpoch(String groupId, Integer epoch, long nowMs) {
    return record(
        new Key(TARGET_EPOCH, groupId, null),
        epoch == null ? null : value().int32(epoch).noTags(),
        nowMs);
  }

  static SimpleRecord memberMetadata(
      String groupId, String memberId, MemberMetadata m, long nowMs) {
    RecordWriter v = null;
    if (m != null) {
      v =
          value()
              .compactString(m.instanceId())
              .compactString(m.rackId())
              .compactString(m.clientId())
              .compactString(m.clientHost());
      v.uvarint(m.subscribedTopicNames().size() + 1);
      m.subscribedTopicNames().forEach(v::compactString);
      v.compactString(m.subscribedTopicRegex())
          .int32(m.rebalanceTimeoutMs())
          .compactString(m.serverAssignor());
      if (m.classic() == null) {
        v.noTags();
      } else {
        // Tagged field 0, ClassicMemberMetadata: a classic member in a consumer group.
        // A nullable struct: a presence byte (1), then its fields.
        RecordWriter c = new RecordWriter().int8((byte) 1).int32(m.classic().sessionTimeoutMs());
        c.uvarint(m.classic().protocols().size() + 1);
        for (GroupMember.Protocol p : m.classic().protocols()) {
          c.compactString(p.name()).compactBytes(p.metadata()).noTags();
        }
        byte[] classic = c.noTags().toBytes();
        v.uvarint(1).uvarint(0).uvarint(classic.length).raw(classic);
      }
    }
    return record(new Key(MEMBER_METADATA, groupId, memberId), v, nowMs);
  }

  static SimpleRecord targetMember(
      String groupId, String memberId, Assignment assignment, long nowMs) {
    return record(
        new Key(TARGET_MEMBER, groupId, memberId),
        assignment == null ? null : partitions(value(), assignment).noTags(),
        nowMs);
  }

  static SimpleRecord currentAssignment(
      String groupId, String memberId, CurrentAssignment a, long nowMs) {
    RecordWriter v = null;
    if (a != null) {
      v = value().int32(a.memberEpoch()).int32(a.previousMemberEpoch()).int8(stateCode(a.state()));
      partitions(v, a.assigned());
      partitions(v, a.pendingRevocation()).noTags();
    }
    return record(new Key(CURRENT_ASSIGNMENT, groupId, memberId), v, nowMs);
  }

  private static SimpleRecord record(Key key, RecordWriter value, long nowMs) {
    RecordWriter k = new RecordWriter().int16(key.type()).string(key.groupId());
    if (key.memberId() != null) {
      k.string(key.memberId());
    }
    return new SimpleRecord(nowMs, k.toBytes(), value == null ? null : value.toBytes());
  }

  private static RecordWriter value() {
    return new RecordWriter().int16((short) 0);
  }

  private static byte stateCode(ConsumerMember.State state) {
    return switch (state) {
      case STABLE -> 0;
      case UNREVOKED_PARTITIONS -> 1;
      case UNRELEASED_PARTITIONS -> 2;
    };
  }

  // ---------------------------------------------------------------- reading

  /**
   * Decodes a record whose key starts with {@code type} ({@code key} positioned after it).
   *
   * @throws IllegalArgumentException for a value version this broker does not know, or a member
   *     state it does not know (Kafka's UNKNOWN)
   */
  static Entry decode(short type, ByteBuffer key, ByteBuffer value) {
    String groupId = readString(key);
    boolean perMember =
        type == MEMBER_METADATA || type == TARGET_MEMBER || type == CURRENT_ASSIGNMENT;
    String memberId = perMember ? readString(key) : null;
    Key k = new Key(type, groupId, memberId);
    if (value == null || type == PARTITION_METADATA || type == REGULAR_EXPRESSION) {
      return new Entry(k, null);
    }
    ByteBuffer v = value.duplicate();
    short version = v.getShort();
    if (version != 0) {
      throw new IllegalArgumentException(
          "unknown value version " + version + " of consumer group record type " + type);
    }
    Object decoded =
        switch (type) {
          case GROUP_EPOCH, TARGET_EPOCH -> v.getInt();
          case MEMBER_METADATA -> {
            String instanceId = readCompactString(v);
            String rackId = readCompactString(v);
            String clientId = readCompactString(v);
            String clientHost = readCompactString(v);
            int count = count(v);
            List<String> topics = new ArrayList<>();
            for (int i = 0; i < count; i++) {
              topics.add(readCompactString(v));
            }
            String regex = readCompactString(v);
            int rebalanceTimeoutMs = v.getInt();
            String assignor = readCompactString(v);
            yield new MemberMetadata(
                instanceId,
                rackId,
                clientId,
                clientHost,
                topics,
                regex,
                rebalanceTimeoutMs,
                assignor,
                readClassicTag(v));
          }
          case TARGET_MEMBER -> readPartitions(v);
          case CURRENT_ASSIGNMENT -> {
            int epoch = v.getInt();
            int previous = v.getInt();
            byte state = v.get();
            yield new CurrentAssignment(
                epoch, previous, state(state), readPartitions(v), readPartitions(v));
          }
          default -> throw new IllegalArgumentException("unknown consumer group record " + type);
        };
    return new Entry(k, decoded);
  }

  private static ConsumerMember.State state(byte code) {
    return switch (code) {
      case 0 -> ConsumerMember.State.STABLE;
      case 1 -> ConsumerMember.State.UNREVOKED_PARTITIONS;
      case 2 -> ConsumerMember.State.UNRELEASED_PARTITIONS;
      default -> throw new IllegalArgumentException("unknown member state " + code);
    };
  }

  private static Assignment readPartitions(ByteBuffer v) {
    int topics = count(v);
    Map<Uuid, SortedSet<Integer>> result = new TreeMap<>();
    for (int t = 0; t < topics; t++) {
      Uuid topic = new Uuid(v.getLong(), v.getLong());
      int count = count(v);
      SortedSet<Integer> ps = new TreeSet<>();
      for (int i = 0; i < count; i++) {
        ps.add(v.getInt());
      }
      skipTags(v);
      result.put(topic, ps);
    }
    return new Assignment(result);
  }

  /** A compact array's length; a null array counts as empty. */
  private static int count(ByteBuffer v) {
    int count = ByteUtils.readUnsignedVarint(v) - 1;
    if (count > v.remaining()) {
      throw new IllegalArgumentException("an array of " + count + " in a shorter record");
    }
    return Math.max(count, 0);
  }

  /** The member metadata's tagged fields: ClassicMemberMetadata (tag 0) if present, or null. */
  private static ConsumerMember.ClassicMetadata readClassicTag(ByteBuffer v) {
    ConsumerMember.ClassicMetadata classic = null;
    int tags = ByteUtils.readUnsignedVarint(v);
    for (int i = 0; i < tags; i++) {
      int tag = ByteUtils.readUnsignedVarint(v);
      int size = ByteUtils.readUnsignedVarint(v);
      int end = v.position() + size;
      if (tag == 0 && v.get() >= 0) {
        int sessionTimeoutMs = v.getInt();
        int count = count(v);
        List<GroupMember.Protocol> protocols = new ArrayList<>();
        for (int p = 0; p < count; p++) {
          String name = readCompactString(v);
          protocols.add(new GroupMember.Protocol(name, readCompactBytes(v)));
          skipTags(v);
        }
        classic = new ConsumerMember.ClassicMetadata(sessionTimeoutMs, List.copyOf(protocols));
      }
      v.position(end);
    }
    return classic;
  }

  private static byte[] readCompactBytes(ByteBuffer b) {
    int length = ByteUtils.readUnsignedVarint(b) - 1;
    if (length < 0 || length > b.remaining()) {
      throw new IllegalArgumentException("bytes of length " + length + " in a shorter record");
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return bytes;
  }

  private static void skipTags(ByteBuffer v) {
    int tags = ByteUtils.readUnsignedVarint(v);
    for (int i = 0; i < tags; i++) {
      ByteUtils.readUnsignedVarint(v); // tag
      int size = ByteUtils.readUnsignedVarint(v);
      v.position(v.position() + size);
    }
  }

  private static String readString(ByteBuffer b) {
    short length = b.getShort();
    if (length < 0 || length > b.remaining()) {
      throw new IllegalArgumentException("a key string of length " + length);
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  private static String readCompactString(ByteBuffer b) {
    int length = ByteUtils.readUnsignedVarint(b) - 1;
    if (length < 0) {
      return null;
    }
    if (length > b.remaining()) {
      throw new IllegalArgumentException("a string of " + length + " bytes in a shorter record");
    }
    byte[] bytes = new byte[length];
    b.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  /** A compact array of (topic id, compact array of partitions, no tags). */
  private static RecordWriter partitions(RecordWriter w, Assignment a) {
    w.uvarint(a.partitions().size() + 1);
    a.partitions()
        .forEach(
            (topic, ps) -> {
              w.uuid(topic).uvarint(ps.size() + 1);
              ps.forEach(w::int32);
              w.noTags();
            });
    return w;
  }
}
