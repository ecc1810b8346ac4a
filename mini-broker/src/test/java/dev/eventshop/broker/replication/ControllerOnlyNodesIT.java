package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.idsOf;
import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kafka's production layout: three controller-only nodes ({@code process.roles=controller}) hold
 * the metadata quorum, two broker-only nodes hold the data. Clients see only the brokers, and the
 * quorum shows three voters and two observers. An acks=all producer carries on when the active
 * controller is SIGKILLed (another one takes over) and then when a broker is (the new controller
 * fences it and elects the other); every acknowledged record is then read back once, in order.
 * Stopped gracefully, the active controller hands its role to another controller-only node.
 */
class ControllerOnlyNodesIT {

  static final String TOPIC = "events";

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its nodes' logs
  Path dir;

  @Test
  void controllersHoldTheQuorumBrokersTheDataAndEitherCanFail() throws Exception {
    try (ProcessCluster cluster =
        ProcessCluster.start(
            dir,
            3,
            0,
            2,
            "default.replication.factor=2",
            "offsets.topic.replication.factor=2",
            "min.insync.replicas=1")) {
      Admin admin = cluster.admin();
      assertThat(admin.describeCluster().nodes().get(20, TimeUnit.SECONDS))
          .extracting(Node::id)
          .containsExactlyInAnyOrder(4, 5);
      assertThat(admin.describeCluster().controller().get(20, TimeUnit.SECONDS).id())
          .as("clients are given a broker: they cannot reach a controller-only node")
          .isIn(4, 5);
      QuorumInfo quorum = quorum(admin);
      assertThat(quorum.leaderId()).isIn(1, 2, 3);
      assertThat(quorum.voters())
          .extracting(QuorumInfo.ReplicaState::replicaId)
          .containsExactlyInAnyOrder(1, 2, 3);
      await("both brokers seen as observers")
          .atMost(Duration.ofSeconds(20))
          .untilAsserted(
              () ->
                  assertThat(quorum(admin).observers())
                      .extracting(QuorumInfo.ReplicaState::replicaId)
                      .containsExactlyInAnyOrder(4, 5));

      cluster.createTopic(TOPIC, 2, 2, Map.of());
      assertThat(idsOf(cluster.partition(TOPIC, 0).replicas())).containsExactlyInAnyOrder(4, 5);
      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(cluster.bootstrap(), TOPIC, 2)) {
        producer.awaitMoreAcks(500);

        int controller = quorum(admin).leaderId();
        cluster.kill(controller);
        await("another controller")
            .atMost(Duration.ofSeconds(60))
            .ignoreExceptions()
            .until(() -> quorum(admin).leaderId(), id -> id > 0 && id != controller);
        producer.awaitMoreAcks(500);

        TopicPartitionInfo before = cluster.partition(TOPIC, 0);
        int leader = leaderOf(before);
        cluster.kill(leader);
        cluster.awaitPartition(
            TOPIC,
            0,
            "a leader other than " + leader,
            p -> p.leader() != null && leaderOf(p) != leader);
        producer.awaitMoreAcks(500);

        cluster.restart(leader);
        cluster.restart(controller);
        for (int p = 0; p < 2; p++) {
          cluster.awaitPartition(TOPIC, p, "2 in sync", info -> info.isr().size() == 2);
        }
        producer.awaitMoreAcks(500);
        producer.stopSending();
        assertThat(producer.failures()).isZero();
        CheckingConsumer.assertEveryAcknowledgedRecordOnceInOrder(cluster.bootstrap(), producer);
      }

      // A graceful stop hands the controller role to another controller-only node first.
      int active = quorum(admin).leaderId();
      assertThat(cluster.stop(active).output())
          .anyMatch(line -> line.contains("handed the controller role to node"));
      await("a controller other than " + active)
          .atMost(Duration.ofSeconds(30))
          .ignoreExceptions()
          .until(() -> quorum(admin).leaderId(), id -> id > 0 && id != active);
    }
  }

  private static QuorumInfo quorum(Admin admin) throws Exception {
    return admin.describeMetadataQuorum().quorumInfo().get(20, TimeUnit.SECONDS);
  }
}
