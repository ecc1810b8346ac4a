package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.eventshop.broker.metadata.ClusterMetadata.BrokerInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.Endpoint;
import dev.eventshop.broker.metadata.ClusterMetadata.PartitionInfo;
import dev.eventshop.broker.metadata.ClusterMetadata.TopicInfo;
import dev.eventshop.broker.metadata.MetadataCodec.BrokerStatus;
import dev.eventshop.broker.metadata.MetadataCommand.AlterClientQuotas;
import dev.eventshop.broker.metadata.MetadataCommand.AlterIsr;
import dev.eventshop.broker.metadata.MetadataCommand.AlterPartitionReassignments;
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
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.junit.jupiter.api.Test;

class MetadataCodecTest {

  @Test
  void everyCommandRoundTrips() {
    List<MetadataCommand> commands =
        List.of(
            new InitCluster("cluster-ü"),
            Registrations.register(2, "broker-2.local", 9092),
            new RegisterBroker(
                3,
                List.of(
                    new Endpoint("INTERNAL", "broker-3", 29094),
                    new Endpoint("EXTERNAL", "localhost", 9094))),
            new FenceBroker(3, true, false),
            new CreateTopic(
                "orders", Uuid.randomUuid(), 3, (short) 3, Map.of("a", "1", "b", "2"), 5, 7),
            new DeleteTopic("orders"),
            new CreatePartitions("orders", 6, 1, 2),
            new SetTopicConfigs("orders", Map.of("cleanup.policy", "compact")),
            new AlterIsr("orders", 2, 1, 4, 9, List.of(1, 3)),
            new ElectLeaders(true, false),
            new SetBrokerConfigs("", Map.of("leader.replication.throttled.rate", "10")),
            new SetFeatureLevels(
                Map.of("transaction.version", (short) 1, "group.version", (short) 0)),
            new ElectPartitionLeaders(
                true, List.of(new TopicPartition("orders", 2), new TopicPartition("payments", 0))),
            new AlterClientQuotas(
                Map.of(
                    ClientQuotas.Entity.of("user", "u", "client-id", null),
                    quotaOps("producer_byte_rate", 1024.0, "consumer_byte_rate", null))),
            new AlterPartitionReassignments(
                List.of(
                    new AlterPartitionReassignments.Target("orders", 1, List.of(3, 1, 2)),
                    new AlterPartitionReassignments.Target("payments", 0, null)),
                false,
                true));
    for (MetadataCommand command : commands) {
      assertThat(MetadataCodec.decodeCommand(MetadataCodec.encode(command))).isEqualTo(command);
    }
  }

  static Map<String, Double> quotaOps(String key, Double value, String key2, Double value2) {
    Map<String, Double> ops = new java.util.TreeMap<>();
    ops.put(key, value);
    ops.put(key2, value2);
    return ops;
  }

  @Test
  void resultsAndHeartbeatsRoundTrip() {
    CommandResult failed = CommandResult.failed(Errors.FENCED_LEADER_EPOCH, "old epoch");
    assertThat(MetadataCodec.decodeResult(MetadataCodec.encode(failed))).isEqualTo(failed);
    assertThat(MetadataCodec.decodeResult(MetadataCodec.encode(CommandResult.OK)))
        .isEqualTo(CommandResult.OK);
    assertThat(MetadataCodec.decodeQuery(MetadataCodec.encodeHeartbeat(42)))
        .isEqualTo(new MetadataCodec.Heartbeat(42));
    for (BrokerStatus status : BrokerStatus.values()) {
      assertThat(MetadataCodec.decodeStatus(MetadataCodec.encode(status))).isEqualTo(status);
    }
  }

  @Test
  void fetchesAndTheirAnswersRoundTrip() {
    assertThat(MetadataCodec.decodeQuery(MetadataCodec.encodeFetch(4, 17, Duration.ofMillis(500))))
        .isEqualTo(new MetadataCodec.Fetch(4, 17, Duration.ofMillis(500)));
    assertThat(MetadataCodec.decodeQuery(MetadataCodec.encodeDescribeQuorum()))
        .isEqualTo(new MetadataCodec.DescribeQuorum());
    QuorumDescription quorum =
        new QuorumDescription(
            2,
            7,
            120,
            List.of(
                new QuorumDescription.Replica(2, 121, -1, 1000),
                new QuorumDescription.Replica(1, 119, 990, -1)),
            List.of(new QuorumDescription.Replica(4, 120, 995, 995)));
    assertThat(MetadataCodec.decodeQuorum(MetadataCodec.encode(quorum))).isEqualTo(quorum);

    byte[] command = MetadataCodec.encode(new DeleteTopic("orders"));
    AppliedMetadata.Changes commands =
        MetadataCodec.decodeChanges(
            MetadataCodec.encode(
                new AppliedMetadata.Changes(
                    2, 19, null, List.of(new AppliedMetadata.LoggedCommand(18, command)))));
    assertThat(commands.leaderId()).isEqualTo(2);
    assertThat(commands.toIndex()).isEqualTo(19);
    assertThat(commands.snapshot()).isNull();
    assertThat(commands.commands()).hasSize(1);
    assertThat(commands.commands().get(0).index()).isEqualTo(18);
    assertThat(commands.commands().get(0).bytes()).isEqualTo(command);

    ClusterMetadata state =
        new ClusterMetadata(
            "cid", -1, Map.of(1, Registrations.broker(1, "h1", 1, false)), Map.of());
    AppliedMetadata.Changes snapshot =
        MetadataCodec.decodeChanges(
            MetadataCodec.encode(new AppliedMetadata.Changes(3, 40, state, List.of())));
    assertThat(snapshot.snapshot()).isEqualTo(state);
    assertThat(snapshot.toIndex()).isEqualTo(40);
    assertThat(snapshot.commands()).isEmpty();
  }

  @Test
  void snapshotRoundTripsTheReplicatedState() throws IOException {
    ClusterMetadata metadata =
        new ClusterMetadata(
            "cid",
            2,
            Map.of(
                1,
                Registrations.broker(1, "h1", 1, false),
                2,
                Registrations.broker(2, "h2", 2, true)),
            Map.of(
                "orders",
                new TopicInfo(
                    "orders",
                    Uuid.randomUuid(),
                    List.of(
                        new PartitionInfo(0, List.of(1, 2), 1, 3, List.of(1)),
                        new PartitionInfo(1, List.of(2, 1), -1, 5, List.of(2)),
                        new PartitionInfo(
                            2, List.of(3, 1, 2), 1, 2, List.of(1, 2), List.of(3), List.of(2), 11)),
                    Map.of("retention.ms", "100")),
                "empty-configs",
                new TopicInfo(
                    "empty-configs",
                    Uuid.randomUuid(),
                    List.of(new PartitionInfo(0, List.of(1), 1, 0, List.of(1))),
                    Map.of())),
            ClientQuotas.NONE
                .alter(ClientQuotas.Entity.of("client-id", null), Map.of("producer_byte_rate", 5.0))
                .alter(
                    ClientQuotas.Entity.of("user", "u", "client-id", "c"),
                    Map.of("producer_byte_rate", 7.0, "consumer_byte_rate", 9.0)),
            Map.of(
                "",
                Map.of("leader.replication.throttled.rate", "1000"),
                "2",
                Map.of("follower.replication.throttled.rate", "2000")),
            new FinalizedFeatures(
                Map.of("transaction.version", (short) 1, "group.version", (short) 0), 4));
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetadataCodec.writeSnapshot(metadata, out);
    ClusterMetadata read = MetadataCodec.readSnapshot(new ByteArrayInputStream(out.toByteArray()));
    assertThat(read)
        .as("the controller id is not replicated state")
        .isEqualTo(metadata.withControllerId(-1));
  }

  @Test
  void snapshotWithoutClusterIdRoundTrips() throws IOException {
    ClusterMetadata empty = new ClusterMetadata(null, -1, Map.of(), Map.of());
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    MetadataCodec.writeSnapshot(empty, out);
    assertThat(MetadataCodec.readSnapshot(new ByteArrayInputStream(out.toByteArray())))
        .isEqualTo(empty);
  }

  @Test
  void unknownFormatVersionIsRefused() {
    byte[] bytes = MetadataCodec.encode(new DeleteTopic("t"));
    bytes[0] = 99;
    assertThatThrownBy(() -> MetadataCodec.decodeCommand(bytes))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("version 99");
  }

  /** A Raft log or snapshot written before brokers had an endpoint per listener stays readable. */
  @Test
  void versionOneRegistrationsAndSnapshotsReadAsPlaintextEndpoints() throws IOException {
    ByteArrayOutputStream command = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(command);
    out.writeByte(1);
    out.writeByte(MetadataCommand.REGISTER_BROKER);
    out.writeInt(2);
    MetadataCodec.writeString(out, "broker-2");
    out.writeInt(9093);
    assertThat(MetadataCodec.decodeCommand(command.toByteArray()))
        .isEqualTo(Registrations.register(2, "broker-2", 9093));

    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    out = new DataOutputStream(snapshot);
    out.writeByte(1);
    out.writeByte('S');
    MetadataCodec.writeString(out, "cid");
    out.writeInt(1); // brokers
    out.writeInt(1);
    MetadataCodec.writeString(out, "broker-1");
    out.writeInt(9092);
    out.writeBoolean(true);
    out.writeInt(0); // topics
    BrokerInfo broker =
        MetadataCodec.readSnapshot(new ByteArrayInputStream(snapshot.toByteArray()))
            .brokers()
            .get(1);
    assertThat(broker).isEqualTo(Registrations.broker(1, "broker-1", 9092, true));
    assertThat(broker.endpoint("PLAINTEXT")).contains(new Endpoint("PLAINTEXT", "broker-1", 9092));
    assertThat(broker.endpoint("EXTERNAL")).isEmpty();
  }

  /**
   * A snapshot written before feature levels were kept (format 6) reads as a cluster that never set
   * one: every feature at the default of a new Kafka 4.1 cluster, epoch 0.
   */
  @Test
  void versionSixSnapshotsReadAsNoFeatureLevelSet() throws IOException {
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    DataOutputStream out = new DataOutputStream(snapshot);
    out.writeByte(6);
    out.writeByte('S');
    MetadataCodec.writeString(out, "cid");
    out.writeInt(0); // brokers
    out.writeInt(0); // topics
    out.writeInt(0); // client quotas
    out.writeInt(1); // broker configs
    MetadataCodec.writeString(out, "");
    MetadataCodec.writeMap(out, Map.of("leader.replication.throttled.rate", "10"));
    ClusterMetadata read =
        MetadataCodec.readSnapshot(new ByteArrayInputStream(snapshot.toByteArray()));
    assertThat(read.brokerConfig(1, "leader.replication.throttled.rate")).contains("10");
    assertThat(read.features()).isEqualTo(FinalizedFeatures.DEFAULT);
    assertThat(read.featureLevel("transaction.version")).isEqualTo((short) 2);
    assertThat(read.featureLevel("group.version")).isEqualTo((short) 1);
  }

  /**
   * Starts a snapshot of format {@code version} holding no broker and topic "orders" with one
   * partition, written up to that partition's index: the caller writes the rest of it.
   */
  static DataOutputStream oneTopicOnePartitionSnapshot(ByteArrayOutputStream snapshot, int version)
      throws IOException {
    DataOutputStream out = new DataOutputStream(snapshot);
    out.writeByte(version);
    out.writeByte('S');
    MetadataCodec.writeString(out, "cid");
    out.writeInt(0); // brokers
    out.writeInt(1); // topics
    MetadataCodec.writeString(out, "orders");
    Uuid id = Uuid.randomUuid();
    out.writeLong(id.getMostSignificantBits());
    out.writeLong(id.getLeastSignificantBits());
    MetadataCodec.writeMap(out, Map.of());
    out.writeInt(1); // partitions
    out.writeInt(0);
    return out;
  }

  /** A snapshot written before partition reassignment reads as partitions not being reassigned. */
  @Test
  void versionTwoSnapshotsReadAsNoReassignmentInProgress() throws IOException {
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    DataOutputStream out = oneTopicOnePartitionSnapshot(snapshot, 2);
    MetadataCodec.writeInts(out, List.of(1, 2));
    out.writeInt(2); // leader
    out.writeInt(7); // leader epoch
    MetadataCodec.writeInts(out, List.of(2));
    ClusterMetadata read =
        MetadataCodec.readSnapshot(new ByteArrayInputStream(snapshot.toByteArray()));
    assertThat(read.topics().get("orders").partitions())
        .containsExactly(
            new PartitionInfo(0, List.of(1, 2), 2, 7, List.of(2))
                .withPartitionEpoch(PartitionInfo.UNKNOWN_PARTITION_EPOCH));
  }

  /**
   * A snapshot or AlterIsr written before partition epochs reads with the partition epoch unknown,
   * which is never checked.
   */
  @Test
  void versionThreeSnapshotsAndAlterIsrReadWithoutPartitionEpoch() throws IOException {
    ByteArrayOutputStream snapshot = new ByteArrayOutputStream();
    DataOutputStream out = oneTopicOnePartitionSnapshot(snapshot, 3);
    MetadataCodec.writeInts(out, List.of(3, 1, 2));
    out.writeInt(1); // leader
    out.writeInt(4); // leader epoch
    MetadataCodec.writeInts(out, List.of(1, 2));
    MetadataCodec.writeInts(out, List.of(3)); // adding
    MetadataCodec.writeInts(out, List.of(2)); // removing
    ClusterMetadata read =
        MetadataCodec.readSnapshot(new ByteArrayInputStream(snapshot.toByteArray()));
    assertThat(read.topics().get("orders").partitions())
        .containsExactly(
            new PartitionInfo(
                0,
                List.of(3, 1, 2),
                1,
                4,
                List.of(1, 2),
                List.of(3),
                List.of(2),
                PartitionInfo.UNKNOWN_PARTITION_EPOCH));

    ByteArrayOutputStream command = new ByteArrayOutputStream();
    out = new DataOutputStream(command);
    out.writeByte(3);
    out.writeByte(MetadataCommand.ALTER_ISR);
    MetadataCodec.writeString(out, "orders");
    out.writeInt(0); // partition
    out.writeInt(1); // leader
    out.writeInt(4); // leader epoch
    MetadataCodec.writeInts(out, List.of(1));
    assertThat(MetadataCodec.decodeCommand(command.toByteArray()))
        .isEqualTo(
            new AlterIsr("orders", 0, 1, 4, PartitionInfo.UNKNOWN_PARTITION_EPOCH, List.of(1)));
  }
}
