package dev.eventshop.broker.metadata;

import static org.assertj.core.api.Assertions.assertThat;

import dev.eventshop.broker.metadata.MetadataCodec.BrokerStatus;
import dev.eventshop.broker.metadata.MetadataCommand.CreateTopic;
import dev.eventshop.broker.metadata.MetadataCommand.ElectLeaders;
import dev.eventshop.broker.metadata.MetadataCommand.FenceBroker;
import dev.eventshop.broker.metadata.MetadataCommand.InitCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.apache.kafka.common.TopicPartition;
import org.apache.kafka.common.Uuid;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class ClusterControllerTest {

  static final long MS = 1_000_000L;

  long now = 1_000 * MS;
  ClusterMetadata state = new ClusterMetadata(null, -1, Map.of(), Map.of());
  final List<MetadataCommand> proposed = new ArrayList<>();
  ClusterController controller;

  @BeforeEach
  void setUp() {
    QuorumSettings settings =
        QuorumSettings.defaults()
            .withHeartbeat(Duration.ofMillis(100), Duration.ofMillis(1000))
            .withPreferredLeaderCheckInterval(Duration.ofMillis(5000));
    controller =
        new ClusterController(
            1,
            settings,
            () -> state,
            command -> {
              proposed.add(command);
              // Applied at once, as the quorum would.
              MetadataApplier.Outcome outcome = MetadataApplier.apply(state, command);
              state = outcome.next();
              return CompletableFuture.completedFuture(outcome.result());
            },
            () -> "proposed-id",
            () -> now);
    for (int id = 1; id <= 3; id++) {
      state = MetadataApplier.apply(state, Registrations.register(id, "h" + id, 9090 + id)).next();
    }
  }

  @Test
  void inactiveControllerDoesNothing() {
    now += 10_000 * MS;
    controller.tick();
    assertThat(proposed).isEmpty();
  }

  @Test
  void newControllerChoosesTheClusterIdOnce() {
    controller.onLeaderReady();
    assertThat(proposed).containsExactly(new InitCluster("proposed-id"));
    controller.onLeadershipLost();
    controller.onLeaderReady();
    assertThat(proposed).hasSize(1);
  }

  @Test
  void brokerNotHeardFromForTheSessionTimeoutIsFencedAfterTheGracePeriod() {
    controller.onLeaderReady();
    proposed.clear();
    now += 900 * MS;
    controller.onHeartbeat(1);
    controller.onHeartbeat(2);
    controller.tick();
    assertThat(proposed).as("within the new controller's grace period").isEmpty();

    now += 200 * MS; // 1100 ms since activation; 1 and 2 were heard 200 ms ago
    controller.tick();
    assertThat(proposed).containsExactly(new FenceBroker(3, false, false));
    assertThat(controller.onHeartbeat(3)).isEqualTo(BrokerStatus.FENCED);
    assertThat(controller.onHeartbeat(1)).isEqualTo(BrokerStatus.ACTIVE);
    assertThat(controller.onHeartbeat(7)).isEqualTo(BrokerStatus.UNKNOWN);
  }

  @Test
  void registrationCountsAsHeardFrom() {
    controller.onLeaderReady();
    proposed.clear();
    now += 5_000 * MS;
    controller.onHeartbeat(1);
    controller.onHeartbeat(2);
    controller.onBrokerRegistered(3);
    controller.tick();
    assertThat(proposed).isEmpty();
  }

  @Test
  void preferredLeaderIsRestoredPeriodically() {
    preferredReplicaBackInSyncButNotLeading();
    for (int i = 0; i < 4; i++) {
      now += 1_000 * MS;
      List.of(1, 2, 3).forEach(controller::onHeartbeat);
      controller.tick();
    }
    assertThat(proposed).isEmpty();
    now += 1_000 * MS;
    List.of(1, 2, 3).forEach(controller::onHeartbeat);
    controller.tick();
    assertThat(proposed).containsExactly(new ElectLeaders(true, false));
    assertThat(state.topic("t").orElseThrow().partitions().get(0).leader()).isEqualTo(1);
  }

  @Test
  void preferredLeaderStaysAwayWhenAutoRebalanceIsOff() {
    controller =
        new ClusterController(
            1,
            QuorumSettings.defaults()
                .withHeartbeat(Duration.ofMillis(100), Duration.ofMillis(1000))
                .withAutoLeaderRebalance(false, Duration.ofMillis(5000)),
            () -> state,
            command -> {
              proposed.add(command);
              return CompletableFuture.completedFuture(CommandResult.OK);
            },
            () -> "proposed-id",
            () -> now);
    preferredReplicaBackInSyncButNotLeading();
    for (int i = 0; i < 12; i++) {
      now += 1_000 * MS;
      List.of(1, 2, 3).forEach(controller::onHeartbeat);
      controller.tick();
    }
    assertThat(proposed).isEmpty();
  }

  /** Broker 1, the preferred replica of t-0, was fenced, came back and rejoined the ISR. */
  private void preferredReplicaBackInSyncButNotLeading() {
    state =
        MetadataApplier.apply(
                state, new CreateTopic("t", Uuid.randomUuid(), 1, (short) 3, Map.of(), 0, 0))
            .next();
    state = MetadataApplier.apply(state, new FenceBroker(1, false, false)).next();
    state = MetadataApplier.apply(state, Registrations.register(1, "h1", 9091)).next();
    state =
        MetadataApplier.apply(
                state,
                new MetadataCommand.AlterIsr(
                    "t",
                    0,
                    2,
                    1,
                    state.partition(new TopicPartition("t", 0)).orElseThrow().partitionEpoch(),
                    List.of(2, 3, 1)))
            .next();
    controller.onLeaderReady();
    proposed.clear();
  }
}
