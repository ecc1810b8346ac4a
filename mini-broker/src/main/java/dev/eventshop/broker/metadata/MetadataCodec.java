package dev.eventshop.broker.metadata;

import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.Endpoint;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataCommand.AlterClientQuotas;
import dev.eventshop.broker.metadata.MetadataCommand.AlterIsr;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments.Target;
import dev.eventshop.broker.metadata.MetadataCommand.CreatePartitions;
import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.DeleteTopic;
import dev.eventshop.broker.metadata.MetadataCommand.ElectLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.ElectPartitionLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.FenceBroker;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import dev.eventshop.broker.metadata.MetadataCommand.RegisterBroker;
import dev.eventshop.broker.metadata.MetadataCommand.SetBrokerConfigs;
import dev.eventshop.broker.metadata.MetadataCommand.SetFeatureLevels;
import dev.eventshop.broker.metadata.MetadataCommand.SetTopicConfigs;
import java.io.ByteArrayOutputStream;
import java.io.DataInput;
import java.io.DataInputStream;
import java.io.DataOutput;
import java.io.DataOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;

/**
 * The binary format of everything the metadata quorum stores or sends: commands (Raft log entries),
 * their results, read-only queries (heartbeats, observers' fetches) and their answers, and
 * snapshots of {@link ClusterMetadata}. Every message starts with a format version byte, then a
 * type byte; integers are big-endian, strings are a length (-1 for null) and UTF-8 bytes, lists and
 * maps a count and their elements (maps in key order, so equal states encode to equal bytes). A
 * reader refuses a version it does not know rather than guess.
 *
 * <p>Version 2 (2026-12-07) gives a broker an endpoint per listener; version 1, which had one
 * address, is still read (as a PLAINTEXT endpoint), so a Raft log written before stays usable.
 * Version 3 (2026-12-07, later) adds each partition's adding and removing replicas (partition
 * reassignment) to snapshots; older snapshots are read as having none. Version 4 (2026-12-07, later
 * still) adds the partition epoch to snapshots and to AlterIsr; older ones are read as {@link
 * PartitionInfo#UNKNOWN_PARTITION_EPOCH}, which is never checked, and partitions created by older
 * commands get it too, so that replaying an older log and loading an older snapshot of the same
 * point give every node the same state. Version 5 (2026-12-07, evening) adds client quotas to
 * snapshots (older ones read as none) and the AlterClientQuotas command; version 6 the dynamic
 * broker configs (snapshots, SetBrokerConfigs); version 7 the finalized feature levels (snapshots,
 * SetFeatureLevels; older snapshots read as no level set, so every feature at its default, epoch
 * 0). Every node writes the newest version, so the nodes of a cluster must all run a version that
 * reads it (no rolling upgrade from an older node).
 */
final class MetadataCodec {

  static final byte VERSION = 7;
  private static final byte VERSION_FEATURE_LEVELS = 7;
  private static final byte VERSION_CLIENT_QUOTAS = 5;
  private static final byte VERSION_BROKER_CONFIGS = 6;
  private static final byte VERSION_PARTITION_EPOCHS = 4;
  private static final byte VERSION_REASSIGNMENTS = 3;
  private static final byte VERSION_ONE_ADDRESS = 1;
  private static final String VERSION_ONE_LISTENER = "PLAINTEXT";
  private static final byte SNAPSHOT = 'S';
  private static final byte HEARTBEAT = 'H';
  private static final byte FETCH = 'F';
  private static final byte CHANGES = 'C';
  private static final byte DESCRIBE_QUORUM = 'D';
  private static final byte QUORUM = 'Q';

  /** How the controller sees a broker that heartbeats. */
  enum BrokerStatus {
    /** Registered and unfenced. */
    ACTIVE,
    /** Registered but fenced: it must register again to be unfenced. */
    FENCED,
    /** Not registered (or this node is not the controller). */
    UNKNOWN
  }

  private MetadataCodec() {}

  // ---- commands

  static byte[] encode(MetadataCommand command) {
    return write(
        out -> {
          out.writeByte(VERSION);
          command.writeTo(out);
        });
  }

  static MetadataCommand decodeCommand(byte[] bytes) {
    return read(
        bytes,
        in -> {
          byte version = checkVersion(in.readByte());
          byte type = in.readByte();
          return switch (type) {
            case MetadataCommand.INIT_CLUSTER -> new InitCluster(readString(in));
            case MetadataCommand.REGISTER_BROKER ->
                new RegisterBroker(in.readInt(), readEndpoints(in, version));
            case MetadataCommand.FENCE_BROKER ->
                new FenceBroker(in.readInt(), in.readBoolean(), in.readBoolean());
            case MetadataCommand.CREATE_TOPIC ->
                new CreateTopic(
                    readString(in),
                    readUuid(in),
                    in.readInt(),
                    in.readShort(),
                    readMap(in),
                    in.readInt(),
                    in.readInt(),
                    version >= VERSION_PARTITION_EPOCHS);
            case MetadataCommand.DELETE_TOPIC -> new DeleteTopic(readString(in));
            case MetadataCommand.CREATE_PARTITIONS ->
                new CreatePartitions(
                    readString(in),
                    in.readInt(),
                    in.readInt(),
                    in.readInt(),
                    version >= VERSION_PARTITION_EPOCHS);
            case MetadataCommand.SET_TOPIC_CONFIGS ->
                new SetTopicConfigs(readString(in), readMap(in));
            case MetadataCommand.ALTER_ISR ->
                new AlterIsr(
                    readString(in),
                    in.readInt(),
                    in.readInt(),
                    in.readInt(),
                    version >= VERSION_PARTITION_EPOCHS
                        ? in.readInt()
                        : PartitionInfo.UNKNOWN_PARTITION_EPOCH,
                    readInts(in));
            case MetadataCommand.ELECT_LEADERS ->
                new ElectLeaders(in.readBoolean(), in.readBoolean());
            case MetadataCommand.ELECT_PARTITION_LEADERS -> readElectPartitionLeaders(in);
            case MetadataCommand.ALTER_PARTITION_REASSIGNMENTS -> readReassignments(in);
            case MetadataCommand.ALTER_CLIENT_QUOTAS -> readAlterClientQuotas(in);
            case MetadataCommand.SET_BROKER_CONFIGS ->
                new SetBrokerConfigs(readString(in), readMap(in));
            case MetadataCommand.SET_FEATURE_LEVELS -> new SetFeatureLevels(readLevels(in));
            default -> throw new IOException("unknown metadata command type " + type);
          };
        });
  }

  private static ElectPartitionLeaders readElectPartitionLeaders(DataInput in) throws IOException {
    boolean unclean = in.readBoolean();
    int count = in.readInt();
    List<TopicPartition> partitions = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      partitions.add(new TopicPartition(readString(in), in.readInt()));
    }
    return new ElectPartitionLeaders(unclean, List.copyOf(partitions));
  }

  private static AlterPartitionReassignments readReassignments(DataInput in) throws IOException {
    boolean allowReplicationFactorChange = in.readBoolean();
    boolean uncleanLeaderElection = in.readBoolean();
    int count = in.readInt();
    List<Target> targets = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      String topic = readString(in);
      int partition = in.readInt();
      targets.add(new Target(topic, partition, in.readBoolean() ? readInts(in) : null));
    }
    return new AlterPartitionReassignments(
        targets, allowReplicationFactorChange, uncleanLeaderElection);
  }

  private static AlterClientQuotas readAlterClientQuotas(DataInput in) throws IOException {
    int count = in.readInt();
    Map<ClientQuotas.Entity, Map<String, Double>> alterations = new LinkedHashMap<>();
    for (int i = 0; i < count; i++) {
      alterations.put(readQuotaEntity(in), readQuotaValues(in));
    }
    return new AlterClientQuotas(alterations);
  }

  static void writeQuotaEntity(DataOutput out, ClientQuotas.Entity entity) throws IOException {
    out.writeInt(entity.parts().size());
    for (Map.Entry<String, String> part : entity.parts().entrySet()) {
      writeString(out, part.getKey());
      writeString(out, part.getValue());
    }
  }

  private static ClientQuotas.Entity readQuotaEntity(DataInput in) throws IOException {
    int count = in.readInt();
    SortedMap<String, String> parts = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      parts.put(readString(in), readString(in));
    }
    return new ClientQuotas.Entity(parts);
  }

  /** Quota key to value, where a null value (a removal, in a command) is written as absent. */
  static void writeQuotaValues(DataOutput out, Map<String, Double> values) throws IOException {
    out.writeInt(values.size());
    for (Map.Entry<String, Double> value : new TreeMap<>(values).entrySet()) {
      writeString(out, value.getKey());
      out.writeBoolean(value.getValue() != null);
      if (value.getValue() != null) {
        out.writeDouble(value.getValue());
      }
    }
  }

  private static Map<String, Double> readQuotaValues(DataInput in) throws IOException {
    int count = in.readInt();
    Map<String, Double> values = new TreeMap<>();
    for (int i = 0; i < count; i++) {
      String key = readString(in);
      values.put(key, in.readBoolean() ? in.readDouble() : null);
    }
    return values;
  }

  // ---- command results

  static byte[] encode(CommandResult result) {
    return write(
        out -> {
          out.writeByte(VERSION);
          out.writeShort(result.error().code());
          writeString(out, result.message());
        });
  }

  static CommandResult decodeResult(byte[] bytes) {
    return read(
        bytes,
        in -> {
          checkVersion(in.readByte());
          return new CommandResult(Errors.forCode(in.readShort()), readString(in));
        });
  }

  // ---- read-only queries (never in the log): heartbeats and observers' fetches

  /** A read-only request to the quorum's leader. */
  sealed interface Query permits Heartbeat, Fetch, DescribeQuorum {}

  /** A broker's heartbeat to the controller; answered with its {@link BrokerStatus}. */
  record Heartbeat(int brokerId) implements Query {}

  /**
   * Observer {@code brokerId}'s fetch of the metadata log after {@code afterIndex}, held open up to
   * {@code maxWait} while there is nothing new; answered with {@link AppliedMetadata.Changes}.
   */
  record Fetch(int brokerId, long afterIndex, Duration maxWait) implements Query {}

  /** Kafka's DescribeQuorum; answered with a {@link QuorumDescription}. */
  record DescribeQuorum() implements Query {}

  static byte[] encodeHeartbeat(int brokerId) {
    return write(
        out -> {
          out.writeByte(VERSION);
          out.writeByte(HEARTBEAT);
          out.writeInt(brokerId);
        });
  }

  static byte[] encodeFetch(int brokerId, long afterIndex, Duration maxWait) {
    return write(
        out -> {
          out.writeByte(VERSION);
          out.writeByte(FETCH);
          out.writeInt(brokerId);
          out.writeLong(afterIndex);
          out.writeInt((int) Math.min(Integer.MAX_VALUE, maxWait.toMillis()));
        });
  }

  static Query decodeQuery(byte[] bytes) {
    return read(
        bytes,
        in -> {
          checkVersion(in.readByte());
          byte type = in.readByte();
          return switch (type) {
            case HEARTBEAT -> new Heartbeat(in.readInt());
            case FETCH -> new Fetch(in.readInt(), in.readLong(), Duration.ofMillis(in.readInt()));
            case DESCRIBE_QUORUM -> new DescribeQuorum();
            default -> throw new IOException("unknown metadata query type " + type);
          };
        });
  }

  static byte[] encode(AppliedMetadata.Changes changes) {
    return write(
        out -> {
          out.writeByte(VERSION);
          out.writeByte(CHANGES);
          out.writeInt(changes.leaderId());
          out.writeLong(changes.toIndex());
          out.writeBoolean(changes.snapshot() != null);
          if (changes.snapshot() != null) {
            writeState(changes.snapshot(), out);
          }
          out.writeInt(changes.commands().size());
          for (AppliedMetadata.LoggedCommand c : changes.commands()) {
            out.writeLong(c.index());
            out.writeInt(c.bytes().length);
            out.write(c.bytes());
          }
        });
  }

  static AppliedMetadata.Changes decodeChanges(byte[] bytes) {
    return read(
        bytes,
        in -> {
          checkVersion(in.readByte());
          if (in.readByte() != CHANGES) {
            throw new IOException("not a metadata fetch answer");
          }
          int leaderId = in.readInt();
          long toIndex = in.readLong();
          ClusterMetadata snapshot = in.readBoolean() ? readState(in) : null;
          int count = in.readInt();
          List<AppliedMetadata.LoggedCommand> commands = new ArrayList<>(count);
          for (int i = 0; i < count; i++) {
            long index = in.readLong();
            byte[] command = new byte[in.readInt()];
            in.readFully(command);
            commands.add(new AppliedMetadata.LoggedCommand(index, command));
          }
          return new AppliedMetadata.Changes(leaderId, toIndex, snapshot, List.copyOf(commands));
        });
  }

  static byte[] encodeDescribeQuorum() {
    return new byte[] {VERSION, DESCRIBE_QUORUM};
  }

  static byte[] encode(QuorumDescription quorum) {
    return write(
        out -> {
          out.writeByte(VERSION);
          out.writeByte(QUORUM);
          out.writeInt(quorum.leaderId());
          out.writeInt(quorum.leaderEpoch());
          out.writeLong(quorum.highWatermark());
          writeReplicas(out, quorum.voters());
          writeReplicas(out, quorum.observers());
        });
  }

  static QuorumDescription decodeQuorum(byte[] bytes) {
    return read(
        bytes,
        in -> {
          checkVersion(in.readByte());
          if (in.readByte() != QUORUM) {
            throw new IOException("not a quorum description");
          }
          return new QuorumDescription(
              in.readInt(), in.readInt(), in.readLong(), readReplicas(in), readReplicas(in));
        });
  }

  private static void writeReplicas(DataOutput out, List<QuorumDescription.Replica> replicas)
      throws IOException {
    out.writeInt(replicas.size());
    for (QuorumDescription.Replica r : replicas) {
      out.writeInt(r.id());
      out.writeLong(r.logEndOffset());
      out.writeLong(r.lastFetchTimestamp());
      out.writeLong(r.lastCaughtUpTimestamp());
    }
  }

  private static List<QuorumDescription.Replica> readReplicas(DataInput in) throws IOException {
    int count = in.readInt();
    List<QuorumDescription.Replica> replicas = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      replicas.add(
          new QuorumDescription.Replica(in.readInt(), in.readLong(), in.readLong(), in.readLong()));
    }
    return List.copyOf(replicas);
  }

  static byte[] encode(BrokerStatus status) {
    return new byte[] {VERSION, (byte) status.ordinal()};
  }

  static BrokerStatus decodeStatus(byte[] bytes) {
    return read(
        bytes,
        in -> {
          checkVersion(in.readByte());
          return BrokerStatus.values()[in.readByte()];
        });
  }

  // ---- snapshots

  /** Writes the replicated part of {@code metadata} (not the controller id, which is not). */
  static void writeSnapshot(ClusterMetadata metadata, OutputStream stream) throws IOException {
    DataOutputStream out = new DataOutputStream(stream);
    writeState(metadata, out);
    out.flush();
  }

  private static void writeState(ClusterMetadata metadata, DataOutput out) throws IOException {
    out.writeByte(VERSION);
    out.writeByte(SNAPSHOT);
    writeString(out, metadata.clusterId());
    List<BrokerInfo> brokers = new ArrayList<>(new TreeMap<>(metadata.brokers()).values());
    out.writeInt(brokers.size());
    for (BrokerInfo b : brokers) {
      out.writeInt(b.id());
      writeEndpoints(out, b.endpoints());
      out.writeBoolean(b.fenced());
    }
    List<TopicInfo> topics = new ArrayList<>(new TreeMap<>(metadata.topics()).values());
    out.writeInt(topics.size());
    for (TopicInfo t : topics) {
      writeString(out, t.name());
      writeUuid(out, t.id());
      writeMap(out, t.configs());
      out.writeInt(t.partitions().size());
      for (PartitionInfo p : t.partitions()) {
        out.writeInt(p.partition());
        writeInts(out, p.replicas());
        out.writeInt(p.leader());
        out.writeInt(p.leaderEpoch());
        writeInts(out, p.isr());
        writeInts(out, p.addingReplicas());
        writeInts(out, p.removingReplicas());
        out.writeInt(p.partitionEpoch());
      }
    }
    // In a stable order, so that equal states encode to equal bytes.
    List<ClientQuotas.Entity> entities =
        metadata.clientQuotas().byEntity().keySet().stream()
            .sorted(ClientQuotas.Entity.ORDER)
            .toList();
    out.writeInt(entities.size());
    for (ClientQuotas.Entity entity : entities) {
      writeQuotaEntity(out, entity);
      writeQuotaValues(out, metadata.clientQuotas().byEntity().get(entity));
    }
    out.writeInt(metadata.brokerConfigs().size());
    for (Map.Entry<String, Map<String, String>> e :
        new TreeMap<>(metadata.brokerConfigs()).entrySet()) {
      writeString(out, e.getKey());
      writeMap(out, e.getValue());
    }
    writeLevels(out, metadata.features().levels());
    out.writeLong(metadata.features().epoch());
  }

  /** Reads a snapshot; its controller id is -1 (unknown). */
  static ClusterMetadata readSnapshot(InputStream stream) throws IOException {
    return readState(new DataInputStream(stream));
  }

  private static ClusterMetadata readState(DataInput in) throws IOException {
    byte version = checkVersion(in.readByte());
    if (in.readByte() != SNAPSHOT) {
      throw new IOException("not a cluster metadata snapshot");
    }
    String clusterId = readString(in);
    Map<Integer, BrokerInfo> brokers = new TreeMap<>();
    int brokerCount = in.readInt();
    for (int i = 0; i < brokerCount; i++) {
      BrokerInfo b = new BrokerInfo(in.readInt(), readEndpoints(in, version), in.readBoolean());
      brokers.put(b.id(), b);
    }
    Map<String, TopicInfo> topics = new TreeMap<>();
    int topicCount = in.readInt();
    for (int i = 0; i < topicCount; i++) {
      String name = readString(in);
      Uuid id = readUuid(in);
      Map<String, String> configs = readMap(in);
      int partitionCount = in.readInt();
      List<PartitionInfo> partitions = new ArrayList<>(partitionCount);
      for (int p = 0; p < partitionCount; p++) {
        int partition = in.readInt();
        List<Integer> replicas = readInts(in);
        int leader = in.readInt();
        int leaderEpoch = in.readInt();
        List<Integer> isr = readInts(in);
        boolean reassignments = version >= VERSION_REASSIGNMENTS;
        partitions.add(
            new PartitionInfo(
                partition,
                replicas,
                leader,
                leaderEpoch,
                isr,
                reassignments ? readInts(in) : List.of(),
                reassignments ? readInts(in) : List.of(),
                version >= VERSION_PARTITION_EPOCHS
                    ? in.readInt()
                    : PartitionInfo.UNKNOWN_PARTITION_EPOCH));
      }
      topics.put(name, new TopicInfo(name, id, List.copyOf(partitions), configs));
    }
    Map<ClientQuotas.Entity, Map<String, Double>> quotas = new HashMap<>();
    if (version >= VERSION_CLIENT_QUOTAS) {
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        quotas.put(readQuotaEntity(in), readQuotaValues(in));
      }
    }
    Map<String, Map<String, String>> brokerConfigs = new TreeMap<>();
    if (version >= VERSION_BROKER_CONFIGS) {
      int count = in.readInt();
      for (int i = 0; i < count; i++) {
        brokerConfigs.put(readString(in), readMap(in));
      }
    }
    FinalizedFeatures features =
        version >= VERSION_FEATURE_LEVELS
            ? new FinalizedFeatures(readLevels(in), in.readLong())
            : FinalizedFeatures.DEFAULT;
    return new ClusterMetadata(
        clusterId,
        -1,
        Map.copyOf(brokers),
        Map.copyOf(topics),
        new ClientQuotas(quotas),
        Map.copyOf(brokerConfigs),
        features);
  }

  // ---- primitives

  private interface Writer {
    void write(DataOutput out) throws IOException;
  }

  private interface Reader<T> {
    T read(DataInput in) throws IOException;
  }

  private static byte[] write(Writer writer) {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64);
    try {
      writer.write(new DataOutputStream(bytes));
    } catch (IOException e) {
      throw new UncheckedIOException(e); // cannot happen: writing to memory
    }
    return bytes.toByteArray();
  }

  private static <T> T read(byte[] bytes, Reader<T> reader) {
    try {
      return reader.read(new DataInputStream(new java.io.ByteArrayInputStream(bytes)));
    } catch (IOException e) {
      throw new IllegalArgumentException("corrupt metadata message: " + e.getMessage(), e);
    }
  }

  private static byte checkVersion(byte version) throws IOException {
    if (version < VERSION_ONE_ADDRESS || version > VERSION) {
      throw new IOException(
          "metadata format version "
              + version
              + " is not supported (this node reads "
              + VERSION_ONE_ADDRESS
              + " to "
              + VERSION
              + ")");
    }
    return version;
  }

  static void writeEndpoints(DataOutput out, List<Endpoint> endpoints) throws IOException {
    out.writeInt(endpoints.size());
    for (Endpoint e : endpoints) {
      writeString(out, e.listener());
      writeString(out, e.host());
      out.writeInt(e.port());
    }
  }

  private static List<Endpoint> readEndpoints(DataInput in, byte version) throws IOException {
    if (version == VERSION_ONE_ADDRESS) {
      return List.of(new Endpoint(VERSION_ONE_LISTENER, readString(in), in.readInt()));
    }
    int count = in.readInt();
    List<Endpoint> endpoints = new ArrayList<>(count);
    for (int i = 0; i < count; i++) {
      endpoints.add(new Endpoint(readString(in), readString(in), in.readInt()));
    }
    return endpoints;
  }

  static void writeString(DataOutput out, String s) throws IOException {
    if (s == null) {
      out.writeInt(-1);
      return;
    }
    byte[] bytes = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(bytes.length);
    out.write(bytes);
  }

  private static String readString(DataInput in) throws IOException {
    int length = in.readInt();
    if (length < 0) {
      return null;
    }
    byte[] bytes = new byte[length];
    in.readFully(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  static void writeUuid(DataOutput out, Uuid id) throws IOException {
    out.writeLong(id.getMostSignificantBits());
    out.writeLong(id.getLeastSignificantBits());
  }

  private static Uuid readUuid(DataInput in) throws IOException {
    return new Uuid(in.readLong(), in.readLong());
  }

  static void writeInts(DataOutput out, List<Integer> ints) throws IOException {
    out.writeInt(ints.size());
    for (int i : ints) {
      out.writeInt(i);
    }
  }

  private static List<Integer> readInts(DataInput in) throws IOException {
    int n = in.readInt();
    List<Integer> result = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      result.add(in.readInt());
    }
    return List.copyOf(result);
  }

  static void writeMap(DataOutput out, Map<String, String> map) throws IOException {
    Map<String, String> sorted = new TreeMap<>(map);
    out.writeInt(sorted.size());
    for (Map.Entry<String, String> e : sorted.entrySet()) {
      writeString(out, e.getKey());
      writeString(out, e.getValue());
    }
  }

  /** Feature levels by name, in name order. */
  static void writeLevels(DataOutput out, Map<String, Short> levels) throws IOException {
    out.writeInt(levels.size());
    for (Map.Entry<String, Short> e : new TreeMap<>(levels).entrySet()) {
      writeString(out, e.getKey());
      out.writeShort(e.getValue());
    }
  }

  private static Map<String, Short> readLevels(DataInput in) throws IOException {
    int n = in.readInt();
    Map<String, Short> result = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      result.put(readString(in), in.readShort());
    }
    return Map.copyOf(result);
  }

  private static Map<String, String> readMap(DataInput in) throws IOException {
    int n = in.readInt();
    Map<String, String> result = new TreeMap<>();
    for (int i = 0; i < n; i++) {
      result.put(readString(in), readString(in));
    }
    return Map.copyOf(result);
  }
}
