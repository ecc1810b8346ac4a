package dev.eventshop.broker.replication;

import static dev.eventshop.broker.replication.ProcessCluster.leaderOf;
import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.apache.kafka.clients.admin.Admin;
import org.apache.kafka.clients.admin.DescribeClusterResult;
import org.apache.kafka.clients.admin.QuorumInfo;
import org.apache.kafka.common.Node;
import org.apache.kafka.common.TopicPartitionInfo;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.CleanupMode;
import org.junit.jupiter.api.io.TempDir;

/**
 * Three brokers that are the metadata quorum's voters and a fourth, broker-only node ({@code
 * process.roles=broker}) that observes the quorum, as a Kafka cluster grows beyond its controllers.
 * Clients that know only the broker-only node use the whole cluster through it; it hosts and leads
 * replicas; it follows the quorum through the loss of the controller; killed and restarted, it
 * catches up, rejoins the ISR and takes back its preferred leaderships. A checking consumer then
 * proves that every acknowledged record is present exactly once and in order.
 */
class BrokerOnlyNodeIT {

  static final int BROKER_ONLY = 4;

  @TempDir(cleanup = CleanupMode.ON_SUCCESS) // a failed run keeps its brokers' logs
  Path dir;

  @Test
  void aBrokerOnlyNodeServesClientsHostsReplicasAndFollowsTheQuorumThroughFailures()
      throws Exception {
    try (ProcessCluster cluster = ProcessCluster.start(dir, 3, 1)) {
      String throughBrokerOnly = cluster.bootstrap(BROKER_ONLY);
      try (Admin admin = Admin.create(Clients.properties(throughBrokerOnly))) {
        DescribeClusterResult described = admin.describeCluster();
        assertThat(described.nodes().get(20, TimeUnit.SECONDS))
            .extracting(Node::id)
            .containsExactlyInAnyOrder(1, 2, 3, BROKER_ONLY);
        assertThat(described.controller().get(20, TimeUnit.SECONDS).id()).isIn(1, 2, 3);

        // As kafka-metadata-quorum.sh shows it: three voters, one observer.
        QuorumInfo quorum = admin.describeMetadataQuorum().quorumInfo().get(20, TimeUnit.SECONDS);
        assertThat(quorum.leaderId()).isIn(1, 2, 3);
        assertThat(quorum.highWatermark()).isPositive();
        assertThat(quorum.voters())
            .extracting(QuorumInfo.ReplicaState::replicaId)
            .containsExactlyInAnyOrder(1, 2, 3);
        assertThat(quorum.observers())
            .extracting(QuorumInfo.ReplicaState::replicaId)
            .containsExactly(BROKER_ONLY);
        assertThat(quorum.nodes()).containsOnlyKeys(1, 2, 3);
        assertThat(quorum.voters())
            .as("each voter's log end, known to the leader")
            .allSatisfy(v -> assertThat(v.logEndOffset()).isPositive());
        assertThat(quorum.observers().get(0).logEndOffset()).isPositive();
        assertThat(quorum.observers().get(0).lastFetchTimestamp()).isPresent();
      }
      assertThat(dir.resolve("broker-" + BROKER_ONLY).resolve("__raft"))
          .as("a broker-only node keeps no Raft log")
          .doesNotExist();

      cluster.createTopic("observed", 4, 3, Map.of());
      List<TopicPartitionInfo> partitions = cluster.describe("observed").partitions();
      int ledByBrokerOnly =
          partitions.stream()
              .filter(p -> leaderOf(p) == BROKER_ONLY)
              .findFirst()
              .orElseThrow(() -> new AssertionError("node 4 leads nothing: " + partitions))
              .partition();

      try (AcknowledgedProducer producer =
          new AcknowledgedProducer(throughBrokerOnly, "observed", partitions.size())) {
        producer.awaitMoreAcks(1_000);
        step("producing through node 4");

        // The controller dies: the broker-only node follows the new one, produce carries on.
        int controller = controller(cluster);
        cluster.kill(controller);
        producer.awaitMoreAcks(1_000);
        step("controller " + controller + " killed, produce carried on");
        cluster.restart(controller);
        for (TopicPartitionInfo p : partitions) {
          cluster.awaitPartition("observed", p.partition(), "3 in sync", q -> q.isr().size() == 3);
        }

        step("controller back in every ISR");

        // The broker-only node dies: its leadership moves; back, it catches up and takes it back.
        cluster.kill(BROKER_ONLY);
        cluster.awaitPartition(
            "observed",
            ledByBrokerOnly,
            "a leader other than node 4",
            p -> leaderOf(p) > 0 && leaderOf(p) != BROKER_ONLY);
        producer.awaitMoreAcks(1_000);
        step("node 4 killed, its partition moved, produce carried on");
        cluster.restart(BROKER_ONLY);
        cluster.awaitPartition(
            "observed",
            ledByBrokerOnly,
            "node 4 back as its preferred leader, 3 in sync",
            p -> leaderOf(p) == BROKER_ONLY && p.isr().size() == 3);
        step("node 4 leads again");
        producer.awaitMoreAcks(1_000);
        step("more acknowledged");
        producer.stopSending();
        step("producer stopped");

        long read =
            CheckingConsumer.assertEveryAcknowledgedRecordOnceInOrder(throughBrokerOnly, producer);
        step(read + " records read back");
        assertThat(producer.failures())
            .as("sends that failed (a retry after a leader change must not be refused)")
            .isZero();
      }
    }
  }

  private final long started = System.nanoTime();

  private void step(String what) {
    System.out.printf("%6d ms: %s%n", (System.nanoTime() - started) / 1_000_000, what);
  }

  private static int controller(ProcessCluster cluster) throws Exception {
    return cluster.admin().describeCluster().controller().get(20, TimeUnit.SECONDS).id();
  }
}
