package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import java.io.IOException;
import java.lang.reflect.Proxy;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.server.storage.RaftStorageImpl;
import org.apache.ratis.server.storage.StorageImplUtils;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.SizeInBytes;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The state machine fed log entries directly, as Ratis' updater thread would, without Ratis. */
class MetadataStateMachineTest {

  AppliedMetadata applied;
  MetadataStateMachine stateMachine;
  final List<ClusterMetadata> published = new ArrayList<>();
  long index;

  @BeforeEach
  void setUp() {
    applied = new AppliedMetadata("recorded-id", 1000);
    stateMachine = newStateMachine(applied);
    applied.addListener(published::add);
  }

  static MetadataStateMachine newStateMachine(AppliedMetadata applied) {
    ClusterController controller =
        new ClusterController(
            1,
            QuorumSettings.defaults(),
            applied::state,
            command -> new CompletableFuture<>(),
            () -> "unused",
            System::nanoTime);
    return new MetadataStateMachine(controller, applied);
  }

  CommandResult apply(MetadataCommand command) {
    return apply(stateMachine, command);
  }

  CommandResult apply(MetadataStateMachine target, MetadataCommand command) {
    LogEntryProto entry =
        LogEntryProto.newBuilder()
            .setTerm(1)
            .setIndex(++index)
            .setStateMachineLogEntry(
                StateMachineLogEntryProto.newBuilder()
                    .setLogData(ByteString.copyFrom(MetadataCodec.encode(command))))
            .build();
    TransactionContext trx =
        TransactionContext.newBuilder()
            .setStateMachine(target)
            .setServerRole(RaftPeerRole.FOLLOWER)
            .setLogEntry(entry)
            .build();
    Message reply = target.applyTransaction(trx).join();
    return MetadataCodec.decodeResult(reply.getContent().toByteArray());
  }

  @Test
  void nothingIsPublishedBeforeThisNodeHasCaughtUpToItsRegistration() {
    apply(new InitCluster("quorum-id"));
    apply(Registrations.register(1, "h1", 9091));
    assertThat(applied.state().brokers()).containsKey(1);
    assertThat(published).isEmpty();
    assertThat(applied.published().clusterId())
        .as("until then the recorded cluster id is shown")
        .isEqualTo("recorded-id");
    assertThat(applied.published().brokers()).isEmpty();

    applied.markCaughtUp();
    assertThat(published).hasSize(1);
    assertThat(published.get(0).clusterId()).isEqualTo("quorum-id");
    assertThat(published.get(0).brokers()).containsKey(1);

    apply(new CreateTopic("t", Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0));
    assertThat(published).hasSize(2);
    assertThat(applied.published()).isSameAs(published.get(1));
    assertThat(published.get(1).topic("t")).isPresent();
  }

  @Test
  void rejectedCommandsPublishNothingAndAnswerTheError() {
    applied.markCaughtUp();
    published.clear();
    CommandResult result =
        apply(new CreateTopic("t", Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0));
    assertThat(result.error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    assertThat(published).isEmpty();
  }

  @Test
  void waitersCompleteWhenTheirIndexIsApplied() {
    CompletableFuture<Void> second = applied.awaitApplied(2);
    apply(Registrations.register(1, "h1", 9091));
    assertThat(second).isNotDone();
    apply(Registrations.register(2, "h2", 9092));
    assertThat(second).isCompleted();
    assertThat(applied.awaitApplied(1)).isCompleted();
  }

  @Test
  void heartbeatQueriesAnswerTheBrokersStatus() {
    apply(Registrations.register(1, "h1", 9091));
    Message reply =
        stateMachine
            .query(Message.valueOf(ByteString.copyFrom(MetadataCodec.encodeHeartbeat(1))))
            .join();
    assertThat(MetadataCodec.decodeStatus(reply.getContent().toByteArray()))
        .isEqualTo(MetadataCodec.BrokerStatus.ACTIVE);
  }

  @Test
  void aSnapshotInstalledFromTheLeaderReplacesTheStateWhileRatisHoldsTheMachinePaused(
      @TempDir Path dir) throws Exception {
    MetadataStateMachine leader = newStateMachine(new AppliedMetadata("", 1000));
    RaftStorageImpl leaderStorage = raftStorage(dir.resolve("leader"));
    leader.initialize(server("leader"), RaftGroupId.randomId(), leaderStorage);
    RaftStorageImpl followerStorage = raftStorage(dir.resolve("follower"));
    stateMachine.initialize(server("follower"), RaftGroupId.randomId(), followerStorage);
    assertThat(stateMachine.getLifeCycleState()).isEqualTo(LifeCycle.State.RUNNING);
    apply(leader, new InitCluster("quorum-id"));
    apply(leader, Registrations.register(1, "h1", 9091));
    apply(leader, new CreateTopic("t", Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0));
    long snapshotIndex = leader.takeSnapshot();

    // As Ratis installs a snapshot: pause, copy the leader's files, reinitialize (which Ratis'
    // updater thread does only for a PAUSED state machine).
    stateMachine.pause();
    assertThat(stateMachine.getLifeCycleState()).isEqualTo(LifeCycle.State.PAUSED);
    Path from = ((RaftStorage) leaderStorage).getStorageDir().getStateMachineDir().toPath();
    Path to = ((RaftStorage) followerStorage).getStorageDir().getStateMachineDir().toPath();
    try (Stream<Path> files = Files.list(from)) {
      for (Path file : files.toList()) {
        Files.copy(file, to.resolve(file.getFileName()));
      }
    }
    stateMachine.reinitialize();

    assertThat(stateMachine.getLifeCycleState()).isEqualTo(LifeCycle.State.RUNNING);
    assertThat(stateMachine.getLatestSnapshot().getIndex()).isEqualTo(snapshotIndex);
    assertThat(stateMachine.getLastAppliedTermIndex().getIndex()).isEqualTo(snapshotIndex);
    assertThat(applied.state().topics()).containsKey("t");
    assertThat(applied.state().brokers()).containsKey(1);
  }

  /** Stands in for the Ratis server, which a state machine asks only for its id here. */
  private static RaftServer server(String id) {
    return (RaftServer)
        Proxy.newProxyInstance(
            RaftServer.class.getClassLoader(),
            new Class<?>[] {RaftServer.class},
            (proxy, method, args) ->
                switch (method.getName()) {
                  case "getId" -> RaftPeerId.valueOf(id);
                  case "toString" -> id;
                  default -> throw new UnsupportedOperationException(method.getName());
                });
  }

  private static RaftStorageImpl raftStorage(Path dir) throws IOException {
    RaftStorageImpl storage =
        StorageImplUtils.newRaftStorage(
            dir.toFile(),
            SizeInBytes.ONE_MB,
            RaftStorage.StartupOption.FORMAT,
            RaftServerConfigKeys.Log.CorruptionPolicy.EXCEPTION);
    storage.initialize();
    return storage;
  }
}
