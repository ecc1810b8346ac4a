package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import dev.eventshop.broker.metadata.MetadataCommand.RegisterBroker;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.Uuid;
import org.apache.kafka.common.protocol.Errors;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.proto.RaftProtos.RaftPeerRole;
import org.apache.ratis.proto.RaftProtos.StateMachineLogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The state machine fed log entries directly, as Ratis' updater thread would, without Ratis. */
class MetadataStateMachineTest {

  MetadataStateMachine stateMachine;
  final List<ClusterMetadata> published = new ArrayList<>();
  long index;

  @BeforeEach
  void setUp() {
    ClusterController controller =
        new ClusterController(
            1,
            QuorumSettings.defaults(),
            () -> stateMachine.state(),
            command -> new CompletableFuture<>(),
            () -> "unused",
            System::nanoTime);
    stateMachine = new MetadataStateMachine(controller, "recorded-id");
    stateMachine.addListener(published::add);
  }

  CommandResult apply(MetadataCommand command) {
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
            .setStateMachine(stateMachine)
            .setServerRole(RaftPeerRole.FOLLOWER)
            .setLogEntry(entry)
            .build();
    Message reply = stateMachine.applyTransaction(trx).join();
    return MetadataCodec.decodeResult(reply.getContent().toByteArray());
  }

  @Test
  void nothingIsPublishedBeforeThisNodeHasCaughtUpToItsRegistration() {
    apply(new InitCluster("quorum-id"));
    apply(new RegisterBroker(1, "h1", 9091));
    assertThat(stateMachine.state().brokers()).containsKey(1);
    assertThat(published).isEmpty();
    assertThat(stateMachine.published().clusterId())
        .as("until then the recorded cluster id is shown")
        .isEqualTo("recorded-id");
    assertThat(stateMachine.published().brokers()).isEmpty();

    stateMachine.markCaughtUp();
    assertThat(published).hasSize(1);
    assertThat(published.get(0).clusterId()).isEqualTo("quorum-id");
    assertThat(published.get(0).brokers()).containsKey(1);

    apply(new CreateTopic("t", Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0));
    assertThat(published).hasSize(2);
    assertThat(stateMachine.published()).isSameAs(published.get(1));
    assertThat(published.get(1).topic("t")).isPresent();
  }

  @Test
  void rejectedCommandsPublishNothingAndAnswerTheError() {
    stateMachine.markCaughtUp();
    published.clear();
    CommandResult result =
        apply(new CreateTopic("t", Uuid.randomUuid(), 1, (short) 1, Map.of(), 0, 0));
    assertThat(result.error()).isEqualTo(Errors.INVALID_REPLICATION_FACTOR);
    assertThat(published).isEmpty();
  }

  @Test
  void waitersCompleteWhenTheirIndexIsApplied() {
    CompletableFuture<Void> second = stateMachine.awaitApplied(2);
    apply(new RegisterBroker(1, "h1", 9091));
    assertThat(second).isNotDone();
    apply(new RegisterBroker(2, "h2", 9092));
    assertThat(second).isCompleted();
    assertThat(stateMachine.awaitApplied(1)).isCompleted();
  }

  @Test
  void heartbeatQueriesAnswerTheBrokersStatus() {
    apply(new RegisterBroker(1, "h1", 9091));
    Message reply =
        stateMachine
            .query(Message.valueOf(ByteString.copyFrom(MetadataCodec.encodeHeartbeat(1))))
            .join();
    assertThat(MetadataCodec.decodeStatus(reply.getContent().toByteArray()))
        .isEqualTo(MetadataCodec.BrokerStatus.ACTIVE);
  }
}
